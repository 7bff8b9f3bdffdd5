// What a scenario works with, inside its own child process: interpreters
// prepared for the run's loader, and one way to import and observe.
import type { Interpreter } from '../interpreter.js';
import { nativeBinding, python } from '../python.js';
import { type ModuleState, moduleState } from './index.js';
import { PROBE } from './probe.js';
import { aliasOf, type Variant } from './variants.js';

/** Who serves the variant's module. */
export type LoaderName = 'cpython' | 'isolated' | 'dynamic';
export const LOADERS: readonly LoaderName[] = ['cpython', 'isolated', 'dynamic'];

export interface Observation {
  name: string;
  id: number;
  init_count: number | null;
  serial: number | null;
  /** The interpreter init last ran in (as the module records it), and the observing one. */
  init_interpreter: number | null;
  interpreter: number;
  fn_id: number | null;
  self_is_module: boolean | null;
  /** Type of the module function's __self__ (pybind11 binds functions to a capsule). */
  self_type: string | null;
  self_name: string | null;
  added: boolean;
}

export type Load = { ok: true; obs: Observation } | { ok: false; error: string };

/** What one exercise expression gave in one interpreter. */
export type Exercised =
  | { ok: true; type: string; typeId: number; builtin: boolean }
  | { ok: false; error: string };

export interface LabRun {
  variant: Variant;
  loader: LoaderName;
  /** Shared libraries of the variants, for the dynamic loader: module -> path. */
  libraries: Record<string, string>;
  /** Python expressions, with the module as `m`, that the exercise scenarios evaluate. */
  exercise?: readonly string[];
  /** Put first on sys.path in every interpreter. */
  pythonPath?: readonly string[];
}

export class LabContext {
  readonly variant: Variant;
  readonly loader: LoaderName;
  /** CPython 3.12+: isolated interpreters exist. */
  readonly modern: boolean;
  readonly main: Interpreter;
  readonly exercises: readonly string[];
  readonly #libraries: Record<string, string>;
  readonly #pythonPath: readonly string[];

  constructor(run: LabRun) {
    this.variant = run.variant;
    this.loader = run.loader;
    this.#libraries = run.libraries;
    this.exercises = run.exercise ?? [];
    this.#pythonPath = run.pythonPath ?? [];
    python.configure({ loader: run.loader === 'isolated' ? 'isolated' : 'cpython' });
    const { major, minor } = python.version;
    this.modern = major > 3 || minor >= 12;
    this.main = this.#prepare(python.main);
  }

  #prepare(interp: Interpreter): Interpreter {
    interp.exec(PROBE);
    if (this.#pythonPath.length) interp.call('lab_add_path', [...this.#pythonPath]);
    if (this.loader === 'dynamic') interp.call('lab_install_dynamic', this.#libraries);
    return interp;
  }

  /** A subinterpreter set up like main. */
  newInterpreter(preset: 'legacy' | 'isolated'): Interpreter {
    return this.#prepare(python.createInterpreter(preset));
  }

  /** Imports the variant's module (or its dotted alias `staticpytest_pkg.<module>`). */
  load(interp: Interpreter, { alias = false } = {}): Load {
    const name = alias ? aliasOf(this.variant.module) : this.variant.module;
    if (alias && this.loader !== 'dynamic') {
      // The same init function under another name: static-py's own way.
      try {
        interp.importByInitFunc(name, { initFrom: this.variant.module });
      } catch (e) {
        const err = e as { pythonType?: string; pythonMessage?: string; message: string };
        return { ok: false, error: err.pythonType ? `${err.pythonType}: ${err.pythonMessage}` : err.message };
      }
    }
    const load = interp.call('lab_load', name) as Load;
    if (load.ok && this.variant.manifest) this.#countFromOutside(load.obs);
    return load;
  }

  // A user's module counts nothing itself: its init calls, as the lab's
  // counter saw them (static forms: static-py's trampoline; dynamic: the
  // init wrapper around the shared library).
  #countFromOutside(obs: Observation): void {
    const lab = nativeBinding().lab;
    const calls = this.loader === 'dynamic'
      ? lab.libraryInitCalls(this.#libraries[this.variant.module]!)
      : lab.initCalls()[this.variant.module];
    obs.init_count = calls?.count ?? null;
    obs.init_interpreter = calls?.interpreter ?? null;
  }

  /** Evaluates each exercise expression, with the module as `m`, in `interp`. */
  exercise(interp: Interpreter): Exercised[] {
    return interp.call('lab_exercise', this.variant.module, [...this.exercises]) as Exercised[];
  }

  forget(interp: Interpreter, { alias = false } = {}): void {
    interp.call('lab_forget', alias ? aliasOf(this.variant.module) : this.variant.module);
  }

  mark(interp: Interpreter): void {
    interp.call('lab_mark', this.variant.module);
  }

  state(interp: Interpreter): ModuleState {
    return moduleState(interp, this.variant.module);
  }
}

// Imports refused on purpose, by CPython or by the framework, and how a cell says so.
const REFUSALS: { re: RegExp; by: string; say: (m: RegExpExecArray) => string }[] = [
  { re: /^ImportError: module (\S+) does not support loading in subinterpreters$/, by: 'CPython', say: (m) => `no subinterpreter support; named ${m[1]}` },
  { re: /^ImportError: Interpreter change detected/, by: 'Cython', say: () => 'one interpreter per process' },
  { re: /^RuntimeError: Module '\S+' has already been imported\. Re-initialisation is not supported/, by: 'Cython', say: () => 'no re-initialisation' },
  { re: /^ImportError: PyO3 modules may only be initialized once per interpreter process$/, by: 'PyO3', say: () => 'one initialisation per process' },
  { re: /^ImportError: generic_type: type "(\S+)" is already registered!$/, by: 'pybind11', say: (m) => `type ${m[1]} already registered in this process` },
];

/** Who refused a failed load on purpose (CPython, or the framework), or null. */
export function refusedBy(load: Load): string | null {
  return load.ok ? null : REFUSALS.find((r) => r.re.test(load.error))?.by ?? null;
}

/** "ok", "refused by CPython (...)", or "fails (Type: message)". */
export function describeLoad(load: Load): string {
  if (load.ok) return 'ok';
  for (const { re, by, say } of REFUSALS) {
    const m = re.exec(load.error);
    if (m) return `refused by ${by} (${say(m)})`;
  }
  return `fails (${load.error})`;
}
