// The Interpreter class: one CPython interpreter, used from this thread.
import { splitKwargs } from './args.js';
import type { NativeInterpreter } from './binding.js';
import { requireModuleName, requireString } from './errors.js';

/** What `interp.import()` reports about a module. */
export interface PyModuleInfo {
  /** The name that was imported. */
  name: string;
  /** The module's `__name__`. */
  __name__: string;
  /** `__file__`, or null (static, built-in and frozen modules have none). */
  file: string | null;
  /** `__spec__.origin`: a path, `'built-in'`, `'frozen'`, or null. */
  origin: string | null;
  /**
   * Who loaded it: `'static'` (linked into this addon), `'static-package'`
   * (a parent package of static names), `'builtin'`, `'frozen'`,
   * `'extension'`, `'source'`, `'sourceless'`, `'namespace'`, or the loader's type name.
   */
  loader: string;
  /** Whether it is a package (has `__path__`). */
  isPackage: boolean;
}

/** @internal Only static-py makes Interpreter objects. */
export const CONSTRUCT = Symbol('static-py.Interpreter');

/**
 * A CPython interpreter. `python.main` is the main interpreter; every method
 * runs synchronously on the calling thread and holds the GIL only for the
 * duration of the call.
 *
 * Values convert both ways: None/null/undefined, bool, int (number when it
 * is a safe integer, else bigint), float, str, bytes ⇄ Buffer, list/tuple →
 * array, dict ⇄ plain object (str keys) or Map; anything else comes back as
 * a {@link PyObject}.
 */
export class Interpreter {
  readonly #native: NativeInterpreter;

  /** @internal */
  constructor(token: symbol, native: NativeInterpreter) {
    if (token !== CONSTRUCT) throw new TypeError('static-py: Interpreter objects come from python.main (and python.createInterpreter())');
    this.#native = native;
  }

  /** CPython's interpreter id (0 for the main interpreter). */
  get id(): number {
    return this.#native.id;
  }

  /** Whether this is the main interpreter. */
  get isMain(): boolean {
    return this.#native.isMain;
  }

  /**
   * Runs statements in the interpreter's `__main__` namespace.
   * @throws {PythonError} whatever the code raises (SyntaxError included).
   * @throws {TypeError} if `code` is not a string.
   * @example python.main.exec('import math\nx = math.pi');
   */
  exec(code: string): void {
    requireString('code', code);
    this.#native.exec(code);
  }

  /**
   * Evaluates one expression in `__main__` and converts the result.
   * @throws {PythonError} whatever the expression raises.
   * @throws {TypeError} if `expr` is not a string.
   * @example python.main.eval('2 ** 64');  // 18446744073709551616n
   */
  eval(expr: string): unknown {
    requireString('expr', expr);
    return this.#native.eval(expr);
  }

  /**
   * Calls a function by dotted name: the first part comes from `__main__`,
   * the builtins or an import, the rest are attributes (importing
   * submodules as needed). A last argument `{ kwargs: {...} }` gives
   * keyword arguments.
   * @throws {PythonError} ModuleNotFoundError, AttributeError, or what the call raises.
   * @throws {TypeError} for a bad name or arguments that do not convert.
   * @example python.main.call('math.hypot', 3, 4);                          // 5
   * @example python.main.call('json.dumps', [1], { kwargs: { indent: 2 } });
   */
  call(dottedName: string, ...args: unknown[]): unknown {
    requireModuleName('dottedName', dottedName);
    const [positional, kwargs] = splitKwargs(args);
    return this.#native.call(dottedName, positional, kwargs);
  }

  /**
   * Imports a module (as `import name` would) and describes it.
   * @throws {PythonError} ModuleNotFoundError, or what the module raises while importing.
   * @throws {TypeError} for a name that is not a well-formed module name.
   * @example python.main.import('json').loader;  // 'source'
   */
  import(name: string): PyModuleInfo {
    requireModuleName('name', name);
    return this.#native.import(name) as PyModuleInfo;
  }

}
