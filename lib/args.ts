// How a JS argument list maps onto a Python call: a last argument of the
// exact shape `{ kwargs: { ... } }` carries the keyword arguments. (To pass
// a dict shaped like that positionally, pass a Map.)

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The keyword arguments `args` ends with, or null: then all of `args` is positional. */
export function kwargsOf(args: unknown[]): Record<string, unknown> | null {
  const last = args[args.length - 1];
  if (isPlainObject(last)) {
    const keys = Object.keys(last);
    if (keys.length === 1 && keys[0] === 'kwargs' && isPlainObject(last.kwargs)) return last.kwargs;
  }
  return null;
}

/** Splits `args` into positional arguments and keyword arguments (or null). */
export function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown> | null] {
  const kwargs = kwargsOf(args);
  return [kwargs === null ? args : args.slice(0, -1), kwargs];
}
