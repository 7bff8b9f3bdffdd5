// Errors the library raises: PythonError for exceptions raised in Python,
// and one helper that gives every bad-argument TypeError the same shape.
import { inspect } from 'node:util';

/**
 * A Python exception, raised in Python and surfaced in JS.
 *
 * `message` is `"<type>: <message>"`; `stack` is the JS stack followed by the
 * Python traceback, so a printed error shows both sides.
 *
 * @example
 * try { python.main.eval('1/0'); }
 * catch (e) { if (e instanceof PythonError) console.log(e.pythonType); } // 'ZeroDivisionError'
 */
export class PythonError extends Error {
  /** The exception's type: `'ZeroDivisionError'`, or `'json.decoder.JSONDecodeError'` outside builtins. */
  readonly pythonType: string;
  /** `str(exception)`. */
  readonly pythonMessage: string;
  /**
   * The formatted Python traceback (`traceback.format_exception`). Not
   * enumerable: `stack` already ends with it, so console.log shows it once.
   */
  declare readonly pythonTraceback: string;

  constructor(pythonType: string, pythonMessage: string, pythonTraceback: string) {
    super(pythonMessage ? `${pythonType}: ${pythonMessage}` : pythonType);
    this.name = 'PythonError';
    this.pythonType = pythonType;
    this.pythonMessage = pythonMessage;
    Object.defineProperty(this, 'pythonTraceback', { value: pythonTraceback, enumerable: false });
    if (this.stack) this.stack = `${this.stack}\n\nPython ${pythonTraceback.trimEnd()}`;
  }
}

/**
 * `error`, its JS stack replaced by the one captured in `site` when the
 * call that led to it was made: an error that surfaces later (an async
 * call's) otherwise shows only where the event loop delivered it.
 */
export function withCallSite(error: unknown, site: { stack?: string }): unknown {
  if (!(error instanceof Error) || !site.stack) return error;
  const frames = site.stack.slice(site.stack.indexOf('\n'));
  const python = error instanceof PythonError ? `\n\nPython ${error.pythonTraceback.trimEnd()}` : '';
  error.stack = `${error.name}: ${error.message}${frames}${python}`;
  return error;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${inspect(value, { depth: 0, breakLength: Infinity }).slice(0, 60)})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Every argument error's shape: the static-py: prefix and a Node-style `code`. */
export function argumentError(message: string, code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE'): TypeError {
  return Object.assign(new TypeError(`static-py: ${message}`), { code });
}

/** A TypeError naming the argument, what it must be, and what it was. */
export function invalidArgument(name: string, expected: string, actual: unknown): TypeError {
  return argumentError(`${name} must be ${expected}, got ${describe(actual)}`, 'ERR_INVALID_ARG_TYPE');
}

/** Throws unless `value` is a string. */
export function requireString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(name, 'a string', value);
}

// Names already found well formed: call() checks its name on every call.
const WELL_FORMED = new Set<string>();
// The loader's own rule (native/loader/module_names.h), set when the
// binding loads; every Interpreter exists only after that.
let moduleNameProblem: (name: string) => string | null = () => null;

/** Internal: the rule requireModuleName applies, the native loader's. */
export function checkModuleNamesWith(problemOf: (name: string) => string | null): void {
  moduleNameProblem = problemOf;
}

/**
 * Throws unless `value` is a well-formed dotted module name, by the
 * loader's rule: a string, not empty, no NUL, no leading, trailing or
 * doubled dots. Python still decides whether the module exists.
 */
export function requireModuleName(name: string, value: unknown): asserts value is string {
  if (WELL_FORMED.has(value as string)) return;
  requireString(name, value);
  const problem = moduleNameProblem(value);
  if (problem) throw invalidValue(name, `${problem}; a module name looks like 'pkg.module'`, value);
  if (WELL_FORMED.size < 4096) WELL_FORMED.add(value);
}

/** A TypeError for an argument of the right type but an unusable value. */
export function invalidValue(name: string, problem: string, actual: unknown): TypeError {
  return argumentError(`${name} ${problem} (got ${describe(actual)})`, 'ERR_INVALID_ARG_VALUE');
}

/**
 * Makes structured clone (worker.postMessage) refuse `target` with a clear
 * message instead of delivering an empty object: the clone copies every
 * enumerable own property, and a Symbol cannot be cloned, so it fails with
 * a DataCloneError quoting the Symbol's description. Spreading, JSON and
 * inspection read the property without harm.
 */
export function refuseCloning(target: object, what: string): void {
  Object.defineProperty(target, 'notTransferable', {
    enumerable: true,
    value: Symbol(`static-py: ${what} belongs to the thread that created it and cannot be sent to another worker; ` +
      'create what you need in that worker (python.createInterpreter(), or pass plain values)'),
  });
}
