/**
 * static-py/lab: how an extension module behaves across re-imports and
 * interpreters. `lab()` runs the scenario catalogue on static-py's test
 * extensions or on your own manifest's modules, on every build, with a
 * verdict per build; `repro()` runs a reproducer script on every build;
 * `moduleState()` probes one imported module. A client of static-py: it
 * reads what the loader reports and changes nothing about how modules are
 * imported. Importing this entry point starts recording where single-phase
 * modules' m_copy dicts come from and counting static init calls (for the
 * whole process), so import it before the first static import.
 *
 * @example
 * import { lab } from 'static-py/lab';
 * const report = await lab({ extensions: 'manifest.json', python: 'all', exercise: ["m.escape('<')"] });
 * for (const v of report.verdicts!) console.log(v.variant, v.summary);
 *
 * @example
 * import { python } from 'static-py';
 * import { moduleState } from 'static-py/lab';
 * python.main.import('_staticpytest_basic');
 * moduleState(python.main, '_staticpytest_basic').mCopy;  // { present: true, owner: 0, kept: 'in the def' }
 */
import { invalidArgument, requireModuleName } from '../errors.js';
import { Interpreter } from '../interpreter.js';
import { nativeBinding, whenBindingLoads } from '../python.js';

/** Isolation probes for one imported module. */
export interface ModuleState {
  /** `id(module)`. */
  id: number | bigint;
  /** The address of its PyModuleDef, or null when PyModule_GetDef gives none. */
  def: string | null;
  /** From the def: `'single-phase'`, `'multi-phase'`, or `'none'`. */
  initKind: 'single-phase' | 'multi-phase' | 'none';
  /**
   * Single-phase modules with `m_size == -1` only (else null): whether there
   * is an m_copy for this interpreter to re-import from, the id of the
   * interpreter whose objects it holds (`'unknown'` for a copy the lab did
   * not see made: a def static-py did not load, or loaded before this
   * entry point was imported), and where it is kept (`'in the def'`, shared
   * by every interpreter, or `'per-interpreter'`).
   */
  mCopy: { present: boolean; owner: number | 'unknown' | null; kept: 'in the def' | 'per-interpreter' } | null;
  /** The address of the module's state (PyModule_GetState), or null. */
  state: string | null;
}

export { lab, LabUsageError } from './api.js';
export type { LabOptions } from './api.js';
export type { LabReport } from './report.js';
export type { LabResult, LabBuildReport } from './runner.js';
export type { Verdict, VerdictSentence } from './verdict.js';
export { repro } from './repro.js';
export type { ReproOptions, ReproReport, ReproResult } from './repro.js';

whenBindingLoads((binding) => {
  binding.lab.observeCopies();
  binding.lab.countInits();
});

/**
 * Isolation probes for a module already in `interp`'s `sys.modules`. Reads
 * the module object and its def; runs none of the module's code.
 * @throws {PythonError} LookupError when the module is not imported there.
 * @throws {Error} when `interp` is closed.
 */
export function moduleState(interp: Interpreter, name: string): ModuleState {
  if (!(interp instanceof Interpreter)) throw invalidArgument('interp', 'an Interpreter', interp);
  requireModuleName('name', name);
  if (interp.closed) throw new Error(`static-py: interpreter ${interp.id} is closed`);
  return nativeBinding().lab.moduleState(interp.id, name) as ModuleState;
}
