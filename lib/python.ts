// `python`: the entry point. Picks and loads the native build on first use,
// starts CPython (once per process, with the isolated config) when the main
// interpreter is first needed, and hands out interpreters.
import { isMainThread } from 'node:worker_threads';

import { type Build, type BuildInfo, type NativeBinding, loadBuild, pythonExecutable, selectBuild } from './binding.js';
import { PythonError, invalidArgument, invalidValue } from './errors.js';
import { Interpreter } from './interpreter.js';
import { staleManifest } from './manifest-check.js';
import { type InterpreterOptions, resolveInterpreterOptions } from './interpreter-options.js';
import { PyObject } from './pyobject.js';

/** The CPython this process embeds. */
export interface PythonVersion {
  major: number;
  minor: number;
  micro: number;
  releaselevel: 'alpha' | 'beta' | 'candidate' | 'final';
  serial: number;
  /** `sys.hexversion`. */
  hexversion: number;
  /** A Py_DEBUG build. */
  debug: boolean;
  /** libpython is a shared library next to the addon. */
  sharedLibrary: boolean;
  /** libpython is linked into the addon itself. */
  staticLibrary: boolean;
  /** The build's tag, e.g. `'cp312'` (builds/<tag>/static_py.node). */
  tag: string;
}

/** A module linked into the addon, from the build-time table. */
export interface StaticModule {
  /** Full dotted name. */
  name: string;
  /** Known once the module has been imported in this process. */
  initKind: 'single-phase' | 'multi-phase' | 'unknown';
  /** The init function's symbol as the module's sources spell it. */
  symbol: string;
}

export interface ConfigureOptions {
  /**
   * The Python to embed: a path or a command on PATH. The build made for it
   * is loaded (see `npm run build`). Default: STATIC_PY_PYTHON, else the
   * default build.
   */
  python?: string;
  /**
   * How single-phase static modules are cached between imports, for the
   * whole process: `'cpython'` (default: exactly what the running CPython
   * does for dynamic extensions, one m_copy shared by every interpreter) or
   * `'isolated'` (one m_copy per interpreter, gh-101758's approach 2).
   */
  loader?: 'cpython' | 'isolated';
  /**
   * Whether single-phase init gets the package context (default true).
   * false reproduces loaders that drop it: `pkg.sub` is named `sub`.
   */
  packageContext?: boolean;
  /**
   * How static modules reach the import system, for the whole process,
   * before Python starts: `'finder'` (default: static-py's finder, O(1)
   * lookup, dotted names) or `'inittab'` (CPython's PyImport_ExtendInittab:
   * a linear scan per import, top-level names only). `'inittab'` exists
   * to compare the two (npm run bench).
   */
  register?: 'finder' | 'inittab';
}

const CONFIGURE_KEYS = new Set(['python', 'loader', 'packageContext', 'register']);

class Python {
  #options: ConfigureOptions = {};
  #build: Build | undefined;
  #binding: NativeBinding | undefined;
  #main: Interpreter | undefined;

  /**
   * Chooses the Python before first use. Later calls, once the native build
   * is loaded, throw.
   * @throws {TypeError} for unknown options or wrong types.
   * @throws {Error} when static-py is already in use.
   * @example python.configure({ python: '/usr/bin/python3.11' });
   */
  configure(options: ConfigureOptions): void {
    if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object', options);
    for (const key of Object.keys(options)) {
      if (!CONFIGURE_KEYS.has(key)) {
        throw invalidValue('options', `has an unknown option '${key}'; known options are ${[...CONFIGURE_KEYS].join(', ')}`, options);
      }
    }
    if (options.python !== undefined && typeof options.python !== 'string') {
      throw invalidArgument('options.python', 'a path or command naming a Python', options.python);
    }
    if (options.loader !== undefined && options.loader !== 'cpython' && options.loader !== 'isolated') {
      throw invalidArgument('options.loader', "'cpython' or 'isolated'", options.loader);
    }
    if (options.packageContext !== undefined && typeof options.packageContext !== 'boolean') {
      throw invalidArgument('options.packageContext', 'a boolean', options.packageContext);
    }
    if (options.register !== undefined && options.register !== 'finder' && options.register !== 'inittab') {
      throw invalidArgument('options.register', "'finder' or 'inittab'", options.register);
    }
    if (options.register !== undefined && this.#main) {
      throw new Error('static-py: python.configure({ register }) must come before Python starts (the first use of python.main)');
    }
    if (this.#binding && options.python === undefined) {
      // Loader settings are process-wide; the native layer refuses a change
      // once a static module has been cached.
      if (options.loader !== undefined || options.packageContext !== undefined) {
        this.#binding.configureLoader({ policy: options.loader, packageContext: options.packageContext });
      }
      this.#options = { ...this.#options, ...options };
      return;
    }
    if (this.#binding) {
      throw new Error(`static-py: python.configure() must come before first use; build ${this.#build!.info.tag} is already loaded`);
    }
    this.#options = { ...this.#options, ...options };
  }

  /** @internal The native binding, loaded on first use. */
  get binding(): NativeBinding {
    if (!this.#binding) {
      const build = selectBuild({ python: this.#options.python });
      const binding = loadBuild(build);
      binding.setup(PythonError, (handle) => new PyObject(handle));
      binding.configureLoader({ policy: this.#options.loader, packageContext: this.#options.packageContext });
      this.#build = build;
      this.#binding = binding;
    }
    return this.#binding;
  }

  /** What the loaded build was made from. Loads the build; does not start Python. */
  get build(): BuildInfo {
    void this.binding;
    return this.#build!.info;
  }

  /** The embedded CPython's version. Loads the build; does not start Python. */
  get version(): PythonVersion {
    const { started: _started, ...version } = this.binding.version();
    return version as PythonVersion;
  }

  /**
   * The main interpreter. The first access starts CPython for the whole
   * process (isolated config: no PYTHON* variables, no signal handlers;
   * STATIC_PY_PYTHONMALLOC stands in for PYTHONMALLOC).
   * @throws {Error} when the build cannot load or Python cannot start.
   */
  get main(): Interpreter {
    if (!this.#main) {
      const native = this.binding.start({
        executable: pythonExecutable(this.#build!, this.#options.python ?? process.env.STATIC_PY_PYTHON),
        register: this.#options.register ?? 'finder',
        // PYTHONMALLOC under our own name: the isolated config ignores PYTHON*.
        allocator: process.env.STATIC_PY_PYTHONMALLOC || undefined,
        missingNames: staleManifest(this.#build!.info)?.missing ?? [],
        // Python's main thread is Node's when static-py is first used there.
        onMainThread: isMainThread,
      });
      this.#main = Interpreter.wrap(native);
    }
    return this.#main;
  }

  /**
   * A new subinterpreter, owned by this thread (its environment's cleanup
   * ends it). On 3.12+ the default is CPython's isolated configuration (own
   * GIL, own allocator, single-phase modules refused); `'legacy'` gives what
   * Py_NewInterpreter gives. Before 3.12 only legacy interpreters exist.
   * @throws {TypeError} for unknown options or wrong types.
   * @throws {Error} for 3.12-only options on an older Python, and with CPython's reason when it refuses the configuration.
   * @example const interp = python.createInterpreter();                 // isolated on 3.12+
   * @example const legacy = python.createInterpreter('legacy');
   * @example const custom = python.createInterpreter({ gil: 'shared', useMainObmalloc: true });
   */
  createInterpreter(options?: InterpreterOptions | 'isolated' | 'legacy'): Interpreter {
    const resolved = resolveInterpreterOptions(options, this.version);
    void this.main;
    return Interpreter.wrap(this.binding.createInterpreter(resolved), resolved);
  }

  /**
   * This thread's interpreter with CPython id `id` (0 is the main one).
   * @throws {Error} when it belongs to another thread, or does not exist.
   */
  interpreter(id: number): Interpreter {
    if (!Number.isSafeInteger(id) || id < 0) throw invalidArgument('id', 'an interpreter id (a non-negative integer)', id);
    void this.main;
    return Interpreter.wrap(this.binding.interpreter(id));
  }

  /** This thread's live interpreters, the main one first. */
  interpreters(): Interpreter[] {
    void this.main;
    return this.binding.interpreters().map((n) => Interpreter.wrap(n));
  }

  /** The extension modules linked into this build, from its static table. */
  staticModules(): StaticModule[] {
    return this.binding.staticModules() as StaticModule[];
  }
}

/** The embedded CPython. */
export const python = new Python();
export type { Python };
