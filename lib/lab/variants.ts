// The init variants every lab scenario runs for: static-py's own test
// extensions (test/fixtures/ext), one per kind of init function CPython
// treats differently. Framework modules join here (issue: pybind11,
// Cython, PyO3) when the build has them.

export interface Variant {
  /** Short id used on the command line and in reports. */
  id: string;
  /** What it is, for people. */
  label: string;
  /** The module it imports. */
  module: string;
  kind: 'single-phase' | 'multi-phase';
  /** Fixture source that holds it, for the shared-library (dynamic) form. */
  source: string;
}

export const VARIANTS: readonly Variant[] = [
  { id: 'sp-1', label: 'single-phase, m_size -1', module: '_staticpytest_basic', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'sp0', label: 'single-phase, m_size 0 (re-init)', module: '_staticpytest_with_reinit', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'sp+', label: 'single-phase, m_size > 0 (state)', module: '_staticpytest_with_state', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'mp', label: 'multi-phase, per-interpreter GIL', module: '_staticpytest_multiphase', kind: 'multi-phase', source: 'multiphase.c' },
  { id: 'mp-ns', label: 'multi-phase, NOT_SUPPORTED', module: '_staticpytest_multi_interp_not_supported', kind: 'multi-phase', source: 'multiphase.c' },
];

/** A dotted name whose last part is the module's own (so the package context applies). */
export const aliasOf = (module: string): string => `staticpytest_pkg.${module}`;
