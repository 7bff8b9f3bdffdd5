// What each lab cell says on CPython 3.<minor>, as "status: cell", pinned
// from runs against CPython's own loader (the lab's dynamic loader) on
// every build of the test matrix. Read each as the answer to its scenario's
// question (lib/lab/scenarios.ts). test/40.lab.test.ts holds the static
// loaders to these.
import { build } from './build.js';

const MODULES: Record<string, string> = {
  'sp-1': '_staticpytest_basic',
  sp0: '_staticpytest_with_reinit',
  'sp+': '_staticpytest_with_state',
  mp: '_staticpytest_multiphase',
  'mp-ns': '_staticpytest_multi_interp_not_supported',
};

const byCPython = (named: string) => `refused by CPython (no subinterpreter support; named ${named})`;
const NA_ISOLATED = 'n/a: needs isolated interpreters (CPython 3.12+)';
const HUNG = 'timeout: stuck (no progress for 3 s)';

/** static-py's own test extensions (test/fixtures/ext/*.c). */
function testExtension(scenario: string, v: string, minor: number): string {
  const module = MODULES[v]!;
  const legacy = v === 'sp-1'; // single-phase, m_size -1: the only one with an m_copy
  const singlePhase = v.startsWith('sp');
  // 3.13 runs a subinterpreter's single-phase init in main first.
  const inMainFirst = minor >= 13 && singlePhase;
  // Only multi-phase modules that declare support load in isolated interpreters.
  const isolatedOk = v === 'mp';
  switch (scenario) {
    case 'first-import':
      return `ok: init ×1; def yes; ${legacy ? 'm_copy made' : 'no m_copy (m_size is not -1)'}`;
    case 'reimport':
      return legacy ? 'ok: init not called; new module; no def (made from m_copy)' : 'ok: init called again (×2); new module; def kept';
    case 'attributes':
      return 'ok: added attribute lost';
    case 'function-self':
      return legacy ? 'ok: __self__ is the first module (functions copied from m_copy)' : 'ok: __self__ is the new module';
    case 'init-count':
      return legacy ? 'ok: 1 → 1 → 1 → 1' : 'ok: 1 → 2 → 3 → 4';
    case 'legacy-after-main':
      return legacy ? "shared: init ×1; shares main's objects (copied from m_copy)" : 'ok: init ×2; objects of its own';
    case 'sub-first-closed':
      if (inMainFirst) {
        return legacy ? 'ok: sub: init ×1, last in main; main: init not called (made from m_copy)' : 'ok: sub: init ×2; main: init called again (×3)';
      }
      return 'ok: sub: init ×1; main: init called again (×2)';
    case 'sub-closed-after-main':
      return legacy ? 'ok: re-import in main: init not called' : 'ok: re-import in main: init called again (×3)';
    case 'isolated-before-after':
      if (minor < 12) return NA_ISOLATED;
      return isolatedOk ? 'ok: before main: ok; after main: ok' : `refused: before main: ${byCPython(module)}; after main: ${byCPython(module)}`;
    case 'legacy-and-isolated': {
      const inLegacy = `legacy: ok, init ×${inMainFirst && !legacy ? 2 : 1}${inMainFirst && legacy ? ', last in main' : ''}`;
      if (minor < 12) return `ok: ${inLegacy}; isolated: n/a before 3.12`;
      return isolatedOk ? `ok: ${inLegacy}; isolated: ok` : `refused: ${inLegacy}; isolated: ${byCPython(module)}`;
    }
    case 'dotted-reimport': {
      // m_size >= 0 re-runs init on re-import; before 3.13 without the package context.
      const shortName = singlePhase && !legacy && minor < 13;
      return `ok: first: staticpytest_pkg.${module}; re-import: ${shortName ? module : `staticpytest_pkg.${module}`}`;
    }
    case 'two-names':
      // Both names share one def, so the second import overwrites its m_copy.
      return legacy
        ? 'shared: second name: init called again; re-import of the first name: INIT_SERIAL 2 (first 1, second 2)'
        : 'ok: second name: init called again; re-import of the first name: INIT_SERIAL 3 (first 1, second 2)';
    default:
      throw new Error(`no pinned behaviour for scenario ${scenario}`);
  }
}

const PYBIND11 = 'internal.cpp_extension.using_pybind11';
const BY_PYBIND11 = 'refused by pybind11 (type Counter already registered in this process)';

/**
 * pybind11 2.10: single-phase, m_size -1, like sp-1, except that its
 * functions are bound to a capsule, that a second init in one process
 * fails on its type registry, and that before 3.12 its first import in a
 * legacy subinterpreter, made from a thread that also has a main
 * interpreter thread state, deadlocks: get_internals() calls
 * PyGILState_Ensure, which takes the thread's main-interpreter state and
 * waits for the GIL the thread already holds.
 */
function pybind11(scenario: string, minor: number): string {
  switch (scenario) {
    case 'function-self':
      return 'ok: __self__ is not a module (PyCapsule)';
    case 'sub-first-closed':
      if (minor < 12) return HUNG;
      return minor < 13 ? 'ok: sub: init ×1; main: init called again (×2)' : 'ok: sub: init ×1, last in main; main: init not called (made from m_copy)';
    case 'isolated-before-after':
      if (minor < 12) return NA_ISOLATED;
      // Before main: init ran and CPython names the def's m_name; after: the name it is cached by.
      return `refused: before main: ${byCPython('using_pybind11')}; after main: ${byCPython(PYBIND11)}`;
    case 'legacy-and-isolated':
      if (minor < 12) return HUNG;
      return `refused: legacy: ok, init ×1${minor >= 13 ? ', last in main' : ''}; isolated: ${byCPython(PYBIND11)}`;
    case 'dotted-reimport':
      return 'ok: first: staticpytest_pkg.using_pybind11; re-import: staticpytest_pkg.using_pybind11';
    case 'two-names':
      return `refused: ${BY_PYBIND11}`;
    default:
      return testExtension(scenario, 'sp-1', minor);
  }
}

/** Cython 0.29: multi-phase, and its guard allows one interpreter per process. */
function cython(scenario: string, minor: number): string {
  const byCython = 'refused: refused by Cython (one interpreter per process)';
  switch (scenario) {
    case 'first-import':
      return 'ok: init ×1; def yes; no m_copy (m_size is not -1)';
    case 'reimport':
      return 'ok: init not called; same module; def kept';
    case 'attributes':
      return 'ok: added attribute kept';
    case 'function-self':
      return 'ok: the same module both times';
    case 'init-count':
      return 'refused: 1 → 1 → refused by Cython (one interpreter per process)';
    case 'legacy-after-main':
    case 'sub-first-closed': // the subinterpreter came first, so main is refused
    case 'sub-closed-after-main':
      return byCython;
    case 'isolated-before-after':
      return minor < 12 ? NA_ISOLATED : `refused: before main: ${byCPython('cy.fast')}; after main: ${byCPython('cy.fast')}`;
    case 'legacy-and-isolated':
      return minor < 12 ? 'ok: legacy: ok, init ×1; isolated: n/a before 3.12' : `refused: legacy: ok, init ×1; isolated: ${byCPython('cy.fast')}`;
    case 'dotted-reimport':
      return 'ok: first: staticpytest_pkg.fast; re-import: staticpytest_pkg.fast';
    case 'two-names':
      return 'ok: second name: init not called; re-import of the first name: INIT_SERIAL 1 (first 1, second 1)';
    default:
      throw new Error(`no pinned behaviour for scenario ${scenario}`);
  }
}

/** PyO3 0.17: single-phase, m_size 0, one initialisation per process; built up to 3.11. */
function pyo3(scenario: string, minor: number): string {
  if (minor >= 12) return `n/a: not in this build: ${build().info.skipped.find((s) => s.name === 'rs.native')?.why}`;
  const byPyo3 = 'refused by PyO3 (one initialisation per process)';
  switch (scenario) {
    case 'first-import':
      return 'ok: init ×1; def yes; no m_copy (m_size is not -1)';
    case 'init-count':
      return `refused: 1 → ${byPyo3} → ${byPyo3}`;
    case 'isolated-before-after':
      return NA_ISOLATED;
    case 'legacy-and-isolated':
      return 'ok: legacy: ok, init ×1; isolated: n/a before 3.12';
    default: // every second initialisation, whatever the scenario
      return `refused: ${byPyo3}`;
  }
}

/** What CPython 3.<minor> does: the cpython loader and CPython's own loader alike. */
export function pinned(scenario: string, variant: string, minor: number): string {
  switch (variant) {
    case 'pybind11':
      return pybind11(scenario, minor);
    case 'cython':
      return cython(scenario, minor);
    case 'pyo3':
      return pyo3(scenario, minor);
    default:
      return testExtension(scenario, variant, minor);
  }
}

/**
 * What the isolated loader changes: each interpreter and each name has its
 * own copy, made by running the init function there (with the package
 * context), and 3.13's init-in-main is not reproduced. pybind11 then
 * refuses its second init.
 */
export function pinnedIsolated(scenario: string, variant: string, minor: number): string {
  if (variant === 'sp-1') {
    switch (scenario) {
      case 'init-count':
        return 'ok: 1 → 1 → 2 → 2';
      case 'legacy-after-main':
        return 'ok: init ×2; objects of its own';
      case 'two-names':
        return 'ok: second name: init called again; re-import of the first name: INIT_SERIAL 1 (first 1, second 2)';
    }
  }
  if (variant.startsWith('sp')) {
    const module = MODULES[variant]!;
    switch (scenario) {
      case 'dotted-reimport':
        return `ok: first: staticpytest_pkg.${module}; re-import: staticpytest_pkg.${module}`;
      case 'sub-first-closed':
        return 'ok: sub: init ×1; main: init called again (×2)';
      case 'legacy-and-isolated':
        return minor < 12 ? 'ok: legacy: ok, init ×1; isolated: n/a before 3.12' : `refused: legacy: ok, init ×1; isolated: ${byCPython(module)}`;
    }
  }
  if (variant === 'pybind11') {
    switch (scenario) {
      case 'init-count':
        return `refused: 1 → 1 → ${BY_PYBIND11}`;
      case 'legacy-after-main':
      case 'sub-closed-after-main':
        return `refused: ${BY_PYBIND11}`;
      case 'sub-first-closed':
        return minor < 12 ? HUNG : 'ok: sub: init ×1; main: init called again (×2)';
      case 'isolated-before-after':
        return minor < 12 ? NA_ISOLATED : `refused: before main: ${byCPython('using_pybind11')}; after main: ${BY_PYBIND11}`;
      case 'legacy-and-isolated':
        return minor < 12 ? HUNG : `refused: legacy: ok, init ×1; isolated: ${byCPython('using_pybind11')}`;
    }
  }
  return pinned(scenario, variant, minor);
}
