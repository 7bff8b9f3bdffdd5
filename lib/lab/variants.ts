// The init variants every lab scenario runs for: static-py's own test
// extensions, one per kind of init function CPython treats differently,
// then one module per real framework (test/fixtures/ext/{pybind11,cython,
// pyo3}), which a build has only where its toolchain was found.

export interface Variant {
  /** Short id used on the command line and in reports. */
  id: string;
  /** What it is, for people. */
  label: string;
  /** The module it imports. */
  module: string;
  /** 'unknown' for a user's module, until the lab imports it. */
  kind: 'single-phase' | 'multi-phase' | 'unknown';
  /**
   * Its source under test/fixtures/ext, for the shared-library (dynamic)
   * form: C, C++ (pybind11), .pyx (Cython) or a Cargo.toml (PyO3).
   */
  source: string;
  /** The framework that made it, for the framework variants. */
  framework?: 'pybind11' | 'cython' | 'pyo3';
  /**
   * A module of a user's manifest (`static-py lab --extensions`), which
   * counts nothing itself: the lab counts its init calls from outside and
   * observes it through its attributes. The manifest's absolute path.
   */
  manifest?: string;
}

export const VARIANTS: readonly Variant[] = [
  { id: 'sp-1', label: 'single-phase, m_size -1', module: '_staticpytest_basic', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'sp0', label: 'single-phase, m_size 0 (re-init)', module: '_staticpytest_with_reinit', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'sp+', label: 'single-phase, m_size > 0 (state)', module: '_staticpytest_with_state', kind: 'single-phase', source: 'singlephase.c' },
  { id: 'mp', label: 'multi-phase, per-interpreter GIL', module: '_staticpytest_multiphase', kind: 'multi-phase', source: 'multiphase.c' },
  { id: 'mp-ns', label: 'multi-phase, NOT_SUPPORTED', module: '_staticpytest_multi_interp_not_supported', kind: 'multi-phase', source: 'multiphase.c' },
  {
    id: 'pybind11', label: 'pybind11 2.10 (single-phase, m_size -1)', module: 'internal.cpp_extension.using_pybind11',
    kind: 'single-phase', source: 'pybind11/using_pybind11.cpp', framework: 'pybind11',
  },
  { id: 'cython', label: 'Cython 0.29 (multi-phase, C globals)', module: 'cy.fast', kind: 'multi-phase', source: 'cython/fast.pyx', framework: 'cython' },
  { id: 'pyo3', label: 'PyO3 0.17 (single-phase, m_size 0)', module: 'rs.native', kind: 'single-phase', source: 'pyo3/Cargo.toml', framework: 'pyo3' },
];

/** Another dotted name ending in the module's own last part (so the package context applies). */
export const aliasOf = (module: string): string => `staticpytest_pkg.${module.slice(module.lastIndexOf('.') + 1)}`;

/**
 * A variant for each module of the user's manifest at `manifest` (an
 * absolute path), or for the `only` ones; an unknown name is an error that
 * lists the manifest's modules.
 */
export function manifestVariants(manifest: string, modules: { name: string }[], only?: readonly string[]): Variant[] {
  const names = modules.map((m) => m.name);
  for (const name of only ?? []) {
    if (!names.includes(name)) throw new Error(`static-py lab: --module ${name} is not in ${manifest}; its modules: ${names.join(', ')}`);
  }
  return names.filter((n) => !only?.length || only.includes(n))
    .map((name) => ({ id: name, label: `${name} (from ${manifest})`, module: name, kind: 'unknown', source: '', manifest }));
}
