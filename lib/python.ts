// `python`: the entry point. Picks and loads the native build on first use,
// starts CPython (once per process, with the isolated config) when the main
// interpreter is first needed, and hands out interpreters.
import { isMainThread } from 'node:worker_threads';

import { type Build, type BuildInfo, type NativeBinding, type PythonVersion, loadBuild, pythonExecutable, rebuildCommand, selectBuild } from './binding.js';
import { PythonError, checkModuleNamesWith, invalidArgument, invalidValue } from './errors.js';
import { Interpreter } from './interpreter.js';
import { layoutProblem } from './layouts.js';
import { staleManifest } from './manifest-check.js';
import { type InterpreterOptions, resolveInterpreterOptions } from './interpreter-options.js';
import { PyObject } from './pyobject.js';

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
   * How single-phase static modules are cached between imports:
   * `'cpython'` (default: exactly what the running CPython does for dynamic
   * extensions, one m_copy shared by every interpreter) or `'isolated'`
   * (one m_copy per interpreter, gh-101758's approach 2). Process-wide
   * (see {@link LoaderSettings}), and fixed by the first static import.
   */
  loader?: 'cpython' | 'isolated';
  /**
   * Whether single-phase init gets the package context (default true).
   * false reproduces loaders that drop it: `pkg.sub` is named `sub`.
   * Process-wide (see {@link LoaderSettings}).
   */
  packageContext?: boolean;
  /**
   * How static modules reach the import system, for the whole process,
   * before Python starts:
   * - `'fast'` (default): static-py's finder (O(1) lookup, dotted names),
   *   and static names imported without importlib's Python-level machinery
   *   (`_find_and_load` in C), with everything an importer can observe
   *   kept; any `sys.meta_path` hook put before static-py's finder turns it
   *   off for as long as it is there;
   * - `'finder'`: the same finder, every import through importlib's own
   *   `_find_and_load`;
   * - `'inittab'`: CPython's PyImport_ExtendInittab, a linear scan per
   *   import, top-level names only; there to be compared (npm run bench).
   */
  register?: 'fast' | 'finder' | 'inittab';
  /**
   * Map pymalloc's arenas, where every small Python object lives, in 2 MiB
   * transparent huge pages (default false; Linux kernels whose
   * transparent_hugepage mode is `always` or `madvise`, elsewhere a no-op):
   * one page fault per 2 MiB instead of 512. Freed arenas go back to the
   * system as before. Opt-in, as in CPython 3.15 (gh-144319): where the
   * kernel must first find or make a free 2 MiB page (a virtual machine
   * after idle, fragmented memory) a fault costs more than the 512 it saves.
   * See the README's "Huge pages". For the whole process, before Python
   * starts: the thread that starts it decides.
   */
  hugePages?: boolean;
}

/**
 * The loader's settings, which are the process's, whichever thread
 * (worker) reads them: there is one import system. The rule for changing
 * them: the first thread to choose a setting (`python.configure`) owns it
 * and may change it again (the loader policy only until the first static
 * import fixes it); any other thread may ask only for the value it has,
 * and is refused with an Error otherwise.
 */
export interface LoaderSettings {
  loader: 'cpython' | 'isolated';
  packageContext: boolean;
  /** The first static import fixed the loader policy for the life of the process. */
  loaderFixed: boolean;
}

const CONFIGURE_KEYS = new Set(['python', 'loader', 'packageContext', 'register', 'hugePages']);

// Told when this thread's native binding loads (the lab's entry point
// uses it to start watching before the first import).
const bindingListeners: ((binding: NativeBinding) => void)[] = [];
let loadedBinding: NativeBinding | undefined;
let bindingOfPython: (p: Python) => NativeBinding;

class Python {
  #options: ConfigureOptions = {};
  #build: Build | undefined;
  #binding: NativeBinding | undefined;
  #staticTable: { name: string[]; symbol: string[]; kindNames: string[] } | undefined;
  #main: Interpreter | undefined;

  static {
    bindingOfPython = (p) => p.#load();
  }

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
    if (options.register !== undefined && !['fast', 'finder', 'inittab'].includes(options.register)) {
      throw invalidArgument('options.register', "'fast', 'finder' or 'inittab'", options.register);
    }
    if (options.hugePages !== undefined && typeof options.hugePages !== 'boolean') {
      throw invalidArgument('options.hugePages', 'a boolean', options.hugePages);
    }
    for (const key of ['register', 'hugePages'] as const) {
      if (options[key] !== undefined && this.#main) {
        throw new Error(`static-py: python.configure({ ${key} }) must come before Python starts (the first use of python.main)`);
      }
    }
    if (this.#binding && options.python !== undefined) {
      throw new Error(`static-py: python.configure() must come before first use; build ${this.#build!.info.tag} is already loaded`);
    }
    const { loader, packageContext, ...rest } = options;
    if (this.#binding) {
      // Process-wide: the native layer applies the rule (LoaderSettings).
      if (loader !== undefined || packageContext !== undefined) this.#binding.configureLoader({ policy: loader, packageContext });
    } else {
      this.#pendingLoader = { ...this.#pendingLoader, ...(loader !== undefined && { loader }), ...(packageContext !== undefined && { packageContext }) };
    }
    this.#options = { ...this.#options, ...rest };
  }

  // Loader settings asked for before the build loaded: applied when it does.
  #pendingLoader: Pick<ConfigureOptions, 'loader' | 'packageContext'> = {};

  /** The native binding, loaded on first use. */
  #load(): NativeBinding {
    if (!this.#binding) {
      const build = selectBuild({ python: this.#options.python });
      const binding = loadBuild(build);
      const problem = layoutProblem(binding.version());
      if (problem) {
        throw new Error(`static-py: cannot use ${build.file}: ${problem}.
` +
          `Remedy: build static-py for this Python: ${rebuildCommand(build.info.python.executable)}`);
      }
      binding.setup(PythonError, (handle) => new PyObject(handle));
      checkModuleNamesWith(binding.moduleNameProblem);
      this.#build = build;
      this.#binding = binding;
      const { loader, packageContext } = this.#pendingLoader;
      this.#pendingLoader = {};
      if (loader !== undefined || packageContext !== undefined) binding.configureLoader({ policy: loader, packageContext });
      loadedBinding = binding;
      for (const listener of bindingListeners) listener(binding);
    }
    return this.#binding;
  }

  /** What the loaded build was made from. Loads the build; does not start Python. */
  get build(): BuildInfo {
    this.#load();
    return this.#build!.info;
  }

  /** The embedded CPython's version. Loads the build; does not start Python. */
  get version(): PythonVersion {
    const { started: _started, compiledWith: _compiledWith, release: _release, layout: _layout, ...version } = this.#load().version();
    return version;
  }

  /**
   * The loader's settings for the whole process, as they are now (another
   * thread may have chosen them). Loads the build; does not start Python.
   */
  get loader(): LoaderSettings {
    const { policy, packageContext, policyFixed } = this.#load().loaderSettings();
    return { loader: policy, packageContext, loaderFixed: policyFixed };
  }

  /**
   * The main interpreter. The first access starts CPython for the whole
   * process (isolated config: no PYTHON* variables, no signal handlers;
   * STATIC_PY_PYTHONMALLOC stands in for PYTHONMALLOC).
   * @throws {Error} when the build cannot load or Python cannot start.
   */
  get main(): Interpreter {
    if (!this.#main) {
      const native = this.#load().start({
        executable: pythonExecutable(this.#build!, this.#options.python ?? process.env.STATIC_PY_PYTHON),
        register: this.#options.register ?? 'fast',
        // PYTHONMALLOC under our own name: the isolated config ignores PYTHON*.
        allocator: process.env.STATIC_PY_PYTHONMALLOC || undefined,
        hugePages: this.#options.hugePages ?? false,
        missingNames: staleManifest(this.#build!.info)?.missing ?? [],
        // Python's main thread is Node's when static-py is first used there.
        onMainThread: isMainThread,
        faultPoint: process.env.STATIC_PY_INJECT_FAULT || undefined,
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
    return Interpreter.wrap(this.#load().createInterpreter(resolved), resolved);
  }

  /**
   * This thread's interpreter with CPython id `id` (0 is the main one).
   * @throws {Error} when it belongs to another thread, or does not exist.
   */
  interpreter(id: number): Interpreter {
    if (!Number.isSafeInteger(id) || id < 0) throw invalidArgument('id', 'an interpreter id (a non-negative integer)', id);
    void this.main;
    return Interpreter.wrap(this.#load().interpreter(id));
  }

  /** This thread's live interpreters, the main one first. */
  interpreters(): Interpreter[] {
    void this.main;
    return this.#load().interpreters().map((n) => Interpreter.wrap(n));
  }

  /** The extension modules linked into this build, from its static table. */
  staticModules(): StaticModule[] {
    const native = this.#load();
    // The names and symbols are the build's: split once, not on every call.
    if (!this.#staticTable) {
      const { count, names, symbols, kindNames } = native.staticModules();
      this.#staticTable = { name: count ? names.split('\0') : [], symbol: count ? symbols.split('\0') : [], kindNames };
    }
    const table = this.#staticTable;
    const kinds = native.staticModuleKinds();
    const out = new Array<StaticModule>(kinds.length);
    for (let i = 0; i < kinds.length; i++) {
      out[i] = { name: table.name[i]!, initKind: table.kindNames[kinds[i]!] as StaticModule['initKind'], symbol: table.symbol[i]! };
    }
    return out;
  }
}

/** The embedded CPython. */
export const python = new Python();
export type { Python };

/**
 * Internal, for static-py's own entry points (static-py/lab): this
 * thread's native binding, loaded if it was not.
 */
export function nativeBinding(): NativeBinding {
  return bindingOfPython(python);
}

/** Internal: calls `listener` with this thread's binding once it is loaded (now, if it is). */
export function whenBindingLoads(listener: (binding: NativeBinding) => void): void {
  bindingListeners.push(listener);
  if (loadedBinding) listener(loadedBinding);
}
