// The Interpreter class: one CPython interpreter, used from this thread.
import { inspect } from 'node:util';

import { kwargsOf, splitKwargs } from './args.js';
import type { NativeInterpreter } from './binding.js';
import type { ResolvedInterpreterOptions } from './interpreter-options.js';
import { invalidArgument, invalidValue, refuseCloning, requireModuleName, requireString, withCallSite } from './errors.js';

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

/** Where `importByInitFunc` finds the init function. */
export interface ImportByInitFuncOptions {
  /** The init function's symbol; default: the static table's entry for the name. */
  symbol?: string;
  /** A shared library to look the symbol up in (opened once, never closed); default: the process and this addon. */
  library?: string;
  /** Use the init function of this static module (to import it under another name). */
  initFrom?: string;
}

/** @internal Only static-py makes Interpreter objects. */
export const CONSTRUCT = Symbol('static-py.Interpreter');
const wrappers = new WeakMap<NativeInterpreter, Interpreter>();

/**
 * A CPython interpreter: `python.main`, or a subinterpreter from
 * `python.createInterpreter()`. The sync methods run on the calling thread
 * and hold the interpreter's GIL only for the call; the async ones run on a
 * thread of the interpreter's own. An interpreter is used only in the Node
 * environment (main thread or worker) that created or started it.
 *
 * Values convert both ways: None/null/undefined, bool, int (number when it
 * is a safe integer, else bigint), float, str, bytes ⇄ Buffer, list/tuple →
 * array, dict ⇄ plain object (str keys) or Map; anything else comes back as
 * a {@link PyObject}.
 */
export class Interpreter {
  readonly #native: NativeInterpreter;

  readonly #options: ResolvedInterpreterOptions | null;

  /** One promise per async call not yet settled, for [Symbol.asyncDispose]. */
  readonly #pending = new Set<Promise<void>>();

  /** @internal */
  constructor(token: symbol, native: NativeInterpreter, options: ResolvedInterpreterOptions | null = null) {
    if (token !== CONSTRUCT) throw new TypeError('static-py: Interpreter objects come from python.main and python.createInterpreter()');
    this.#native = native;
    this.#options = options;
    refuseCloning(this, 'an Interpreter');
  }

  /** `{ id, isMain, closed }`, for JSON.stringify. */
  toJSON(): { id: number; isMain: boolean; closed: boolean } {
    return { id: this.id, isMain: this.isMain, closed: this.closed };
  }

  [inspect.custom](): string {
    const kind = this.isMain ? 'main' : this.#options?.preset ?? 'sub';
    return `Interpreter ${this.id} (${kind}${this.closed ? ', closed' : ''})`;
  }

  /** @internal The Interpreter wrapping `native`, one per native object. */
  static wrap(native: NativeInterpreter, options: ResolvedInterpreterOptions | null = null): Interpreter {
    let interp = wrappers.get(native);
    if (!interp) {
      interp = new Interpreter(CONSTRUCT, native, options);
      wrappers.set(native, interp);
    }
    return interp;
  }

  /** The settings it was created with (null for the main interpreter). */
  get options(): ResolvedInterpreterOptions | null {
    return this.#options;
  }

  /** Whether close() has ended it. */
  get closed(): boolean {
    return this.#native.closed;
  }

  /**
   * Ends a subinterpreter (Py_EndInterpreter). Async calls still queued are
   * rejected; one that is running is waited for. Any later use throws
   * "interpreter N is closed"; closing again does nothing.
   * @throws {Error} for the main interpreter, which lives as long as the process,
   *   and when it still runs daemon threads CPython could not wait for (it
   *   then stays open and usable).
   */
  close(): void {
    this.#native.close();
  }

  /** `using interp = python.createInterpreter()`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * `await using interp = python.createInterpreter()`: at the end of the
   * scope, waits for every async call made on it to settle, then close().
   */
  async [Symbol.asyncDispose](): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
    this.close();
  }

  /**
   * Starts an async call: a Promise in every case. Bad arguments and a
   * closed interpreter reject it rather than throw, and an error it rejects
   * with carries the JS stack of the call that made it (`caller`), which
   * the thread that ran it cannot know.
   */
  #async<T>(caller: Function, start: () => Promise<T>): Promise<T> {
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, caller);  // formatted only if an error needs it
    let promise: Promise<T>;
    try {
      promise = start();
    } catch (e) {
      return Promise.reject(e);
    }
    // Watched on the native promise: a handler on the one returned would
    // mark it handled, and a rejection nobody awaits must stay unhandled.
    const settled: Promise<void> = promise.then(() => void this.#pending.delete(settled), () => void this.#pending.delete(settled));
    this.#pending.add(settled);
    return promise.catch((e: unknown) => {
      throw withCallSite(e, site);
    });
  }

  /**
   * Like exec(), on the interpreter's own thread: the event loop goes on.
   * Async calls to one interpreter run one at a time, in order.
   * @example await interp.execAsync('total = sum(range(10**7))');
   */
  execAsync(code: string): Promise<void> {
    return this.#async(this.execAsync, async () => {
      requireString('code', code);
      await this.#native.execAsync(code);
    });
  }

  /** Like eval(), on the interpreter's own thread. */
  evalAsync(expr: string): Promise<unknown> {
    return this.#async(this.evalAsync, () => {
      requireString('expr', expr);
      return this.#native.evalAsync(expr);
    });
  }

  /**
   * Like call(), on the interpreter's own thread. Arguments are copied when
   * the call is made.
   * @example await interp.callAsync('math.factorial', 20);
   */
  callAsync(dottedName: string, ...args: unknown[]): Promise<unknown> {
    return this.#async(this.callAsync, () => {
      requireModuleName('dottedName', dottedName);
      const [positional, kwargs] = splitKwargs(args);
      return this.#native.callAsync(dottedName, kwargs, ...positional);
    });
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
    const kwargs = kwargsOf(args);
    return kwargs === null ? this.#native.call(dottedName, null, ...args) : this.#native.call(dottedName, kwargs, ...args.slice(0, -1));
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

  /**
   * Imports `fullName` with an init function as its loader, the way CPython's
   * own extension loader would: multi-phase modules are made from def and
   * spec, single-phase ones get the package context (so `pkg.sub` is named
   * `pkg.sub`) and CPython's extension cache. The init function is the
   * static table's entry for `fullName`, the entry for `options.initFrom`,
   * or `options.symbol`, looked up with dlsym in `options.library` or in the
   * process. A module already in `sys.modules` is returned as it is.
   * @throws {PythonError} what CPython's loader raises for the same extension
   *   (SystemError for a broken init function, ImportError for a built-in's name...).
   * @throws {Error} when the init function cannot be found.
   * @example python.main.importByInitFunc('pkg.foo_bar', { library: './libfoo.so', symbol: 'PackagePyInit_pkg_foo__bar' });
   */
  importByInitFunc(fullName: string, options: ImportByInitFuncOptions = {}): PyModuleInfo {
    requireModuleName('fullName', fullName);
    if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object', options);
    const unknown = Object.keys(options).find((k) => !['symbol', 'library', 'initFrom'].includes(k));
    if (unknown) throw invalidValue('options', `has an unknown option '${unknown}'; known options are symbol, library, initFrom`, options);
    if (options.initFrom !== undefined) {
      requireModuleName('options.initFrom', options.initFrom);
      if (options.symbol !== undefined) throw invalidValue('options', 'names both initFrom and symbol; give one', options);
    }
    if (options.symbol !== undefined) requireString('options.symbol', options.symbol);
    if (options.library !== undefined) {
      requireString('options.library', options.library);
      if (options.symbol === undefined) throw invalidValue('options', 'names a library but no symbol to look up in it', options);
    }
    return this.#native.importByInitFunc(fullName, options.symbol ?? null, options.library ?? null, options.initFrom ?? null) as PyModuleInfo;
  }
}
