// Python objects that have no JS equivalent (sets, functions, class
// instances, modules...) come back as PyObject handles.
import { inspect } from 'node:util';

import { splitKwargs } from './args.js';
import type { NativeHandle } from './binding.js';
import { argumentError, refuseCloning, requireString } from './errors.js';

/** Where native code finds the handle inside a PyObject (see native/env/env_state.cc). */
export const HANDLE: unique symbol = Symbol.for('static-py.handle') as never;

/**
 * An opaque reference to a Python object, owned by the interpreter that
 * made it. It keeps the object alive until `release()` or until the
 * PyObject is garbage-collected; after its interpreter closes, every method
 * throws.
 *
 * @example
 * const s = python.main.eval('{1, 2}');   // a set: no JS equivalent
 * s.repr();                                // '{1, 2}'
 * python.main.eval('len').call([1, 2]);    // 2
 */
export class PyObject {
  /** @internal Not enumerable: a spread copy of a PyObject is not one. */
  declare readonly [HANDLE]: NativeHandle;

  /** @internal Made by static-py only. */
  constructor(handle: NativeHandle) {
    Object.defineProperty(this, HANDLE, { value: handle });
    refuseCloning(this, 'a PyObject');
  }

  /** The type's qualified name: `'set'`, `'collections.OrderedDict'`. @throws Error if released. */
  get typeName(): string {
    return this[HANDLE].typeName();
  }

  /** Whether `release()` was called or the interpreter closed. */
  get released(): boolean {
    return this[HANDLE].released;
  }

  /** `repr(obj)`. @throws {PythonError} if `__repr__` raises. */
  repr(): string {
    return this[HANDLE].repr();
  }

  /** `str(obj)`. @throws {PythonError} if `__str__` raises. */
  toString(): string {
    return this[HANDLE].str();
  }

  /**
   * `getattr(obj, name)`, converted like any result.
   * @throws {PythonError} AttributeError when there is no such attribute.
   * @example python.main.eval('{1, 2}').getattr('__len__')
   */
  getattr(name: string): unknown {
    requireString('name', name);
    return this[HANDLE].getattr(name);
  }

  /**
   * Calls the object. A last argument `{ kwargs: {...} }` gives keyword arguments.
   * @throws {PythonError} what the call raises; TypeError for arguments that do not convert.
   * @example python.main.eval('sorted').call([3, 1, 2], { kwargs: { reverse: true } })  // [3, 2, 1]
   */
  call(...args: unknown[]): unknown {
    const [positional, kwargs] = splitKwargs(args);
    return this[HANDLE].call(kwargs, ...positional);
  }

  /**
   * Iterates the object as Python's `for` does (`iter()`, then `next()`
   * until it is exhausted), each item converted like any result. An
   * exception the iterator raises part-way is thrown as a PythonError from
   * that step, after the items before it. The iterator's handle is released
   * when the loop ends, however it ends.
   * @throws {PythonError} TypeError if the object is not iterable.
   * @example for (const word of python.main.eval('iter("a b".split())')) console.log(word);
   */
  *[Symbol.iterator](): Iterator<unknown> {
    const it = this[HANDLE].iter();
    // An iterator has no JS equivalent, so iter() gives a handle, unless a
    // class's __iter__ returns an instance of an int, float or str subclass
    // that also has __next__; such a value cannot be stepped from JS.
    if (!(it instanceof PyObject)) throw new TypeError(`static-py: iter() of this ${this.typeName} returned a value that converts to JS (${typeof it}), not an iterator handle`);
    try {
      for (let item = it[HANDLE].next(); item !== undefined; item = it[HANDLE].next()) yield item;
    } finally {
      it.release();
    }
  }

  /**
   * JSON.stringify meets a Python object with no JS equivalent: it says so
   * and how to convert, rather than write something lossy.
   * @throws {TypeError} always.
   */
  toJSON(): never {
    const what = this.released ? 'a released PyObject' : `a PyObject (${this.typeName})`;
    throw argumentError(`${what} has no JSON form; convert it in Python first ` +
      "(for example py.call('list', handle), py.call('dict', handle), or json.dumps there), or use handle.repr()", 'ERR_INVALID_ARG_TYPE');
  }

  /** Drops the reference now (Python may then free the object). Calling it twice does nothing. */
  release(): void {
    this[HANDLE].release();
  }

  [inspect.custom](): string {
    if (this.released) return 'PyObject <released>';
    try {
      return `PyObject ${this.repr()}`;
    } catch {
      return 'PyObject <unprintable>';
    }
  }
}
