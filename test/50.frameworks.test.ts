// Real extension frameworks, statically linked (test/fixtures/ext/{pybind11,
// cython,pyo3}): how each framework's module behaves when it comes from the
// static table and is imported into several interpreters. Where a
// framework or CPython refuses, the test pins its exact text, and checks
// the interpreter is still usable.
//
// A module the build left out (a toolchain missing on this machine) skips
// its tests with the build's reason (helpers/build.ts, toolchainSkip).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Interpreter, python } from 'static-py';

import { atLeast, build, pyVersion, toolchainSkip } from './helpers/build.js';
import { childJson } from './helpers/child.js';

const [, minor] = pyVersion();
const modern = atLeast(3, 12);

/** What an import in `interp` raised, as "Type: message"; the interpreter must still work afterwards. */
function importError(interp: Interpreter, name: string): string {
  let raised = 'no error';
  try {
    interp.import(name);
  } catch (e) {
    const err = e as { pythonType?: string; pythonMessage?: string; message: string };
    raised = err.pythonType ? `${err.pythonType}: ${err.pythonMessage}` : `not a PythonError: ${err.message}`;
  }
  assert.equal(interp.eval('sum(range(5))'), 10, 'the interpreter is still usable');
  return raised;
}

function withInterpreter<T>(preset: 'legacy' | 'isolated', use: (interp: Interpreter) => T): T {
  const interp = python.createInterpreter(preset);
  try {
    return use(interp);
  } finally {
    interp.close();
  }
}

const PYBIND11 = 'internal.cpp_extension.using_pybind11';

describe('pybind11 (single-phase, def_submodule) as internal.cpp_extension.using_pybind11', { skip: toolchainSkip(PYBIND11) }, () => {
  it('has its full dotted name, and so do its def_submodule children; the deepest imports by name', () => {
    const deeper = python.main.import(`${PYBIND11}.sub.deeper`);
    assert.equal(deeper.__name__, `${PYBIND11}.sub.deeper`);
    assert.equal(python.main.import(PYBIND11).__name__, PYBIND11);
    assert.equal(python.main.import(PYBIND11).loader, 'static');
    assert.equal(python.main.eval(`__import__('${PYBIND11}', fromlist=['x']).sub.__name__`), `${PYBIND11}.sub`);
    assert.equal(python.main.call(`${PYBIND11}.sub.deeper.where`), `${PYBIND11}.sub.deeper`);
  });

  it('binds functions and a class that work from the static table', () => {
    assert.equal(python.main.call(`${PYBIND11}.add`, 2, 40), 42);
    python.main.exec(`import ${PYBIND11} as pb\ncounter = pb.Counter(5)\ncounter.increment()`);
    assert.equal(python.main.eval('counter.value'), 6);
    assert.equal(python.main.eval('type(counter).__module__'), PYBIND11);
  });

  // The seed's failure, reproduced by turning the package context off. The
  // text is the same on every version we build; it is pinned per version so
  // a change shows up as one.
  const withoutContext: Record<number, string> = Object.fromEntries([8, 9, 10, 11, 12, 13, 14].map((m) => [m,
    `ModuleNotFoundError: No module named '${PYBIND11}.sub'; '${PYBIND11}' is not a package`]));

  it(`without the package context it is named using_pybind11, and importing its submodule fails as recorded for 3.${minor}`, async () => {
    const r = await childJson<{ name: string; modules: string[]; error: string; after: number }>(`
      const { python } = require('static-py');
      python.configure({ packageContext: false });
      const py = python.main;
      const name = py.import('${PYBIND11}').__name__;
      let error = 'no error';
      try { py.import('${PYBIND11}.sub.deeper'); } catch (e) { error = e.pythonType + ': ' + e.pythonMessage; }
      console.log(JSON.stringify({
        name, error, after: py.eval('6 * 7'),
        modules: py.eval('sorted(k for k in __import__("sys").modules if "using_pybind11" in k)'),
      }));`);
    assert.equal(r.name, 'using_pybind11');
    assert.deepEqual(r.modules, [PYBIND11, 'using_pybind11.sub', 'using_pybind11.sub.deeper']);
    assert.equal(r.error, withoutContext[minor]);
    assert.equal(r.after, 42);
  });

  it("loads in a legacy subinterpreter from main's m_copy", () => {
    python.main.import(PYBIND11);
    withInterpreter('legacy', (sub) => {
      assert.equal(sub.import(PYBIND11).__name__, PYBIND11);
      assert.equal(sub.call(`${PYBIND11}.add`, 1, 2), 3);
    });
  });

  // As CPython does for the same module as a shared library: the first
  // refusal runs the init function and names the def's m_name; once main
  // has the module cached, the refusal names the full name it is cached by.
  it('is refused by CPython in an isolated subinterpreter (3.12+), named as CPython names it before and after main imported it',
    { skip: !modern && 'isolated interpreters need CPython 3.12+' }, async () => {
      const r = await childJson<{ before: string; after: string; usable: number }>(`
        const { python } = require('static-py');
        const text = (f) => { try { f(); return 'no error'; } catch (e) { return e.pythonType + ': ' + e.pythonMessage; } };
        const isolated = () => {
          const sub = python.createInterpreter('isolated');
          try { return text(() => sub.import('${PYBIND11}')); } finally { sub.close(); }
        };
        const before = isolated();
        python.main.import('${PYBIND11}');
        const after = isolated();
        console.log(JSON.stringify({ before, after, usable: python.main.eval('6 * 7') }));`);
      assert.deepEqual(r, {
        before: 'ImportError: module using_pybind11 does not support loading in subinterpreters',
        after: `ImportError: module ${PYBIND11} does not support loading in subinterpreters`,
        usable: 42,
      });
    });
});

const CYTHON = 'cy.fast';

describe('Cython 0.29 (multi-phase, one interpreter per process) as cy.fast', { skip: toolchainSkip(CYTHON) }, () => {
  it('imports and runs in the main interpreter: C functions and a cdef class', () => {
    const info = python.main.import(CYTHON);
    assert.equal(info.__name__, CYTHON);
    assert.equal(info.loader, 'static');
    assert.equal(python.main.call(`${CYTHON}.fib`, 50), 12586269025);
    python.main.exec(`import ${CYTHON} as fast\nacc = fast.Accumulator()\nacc.add(1.5)`);
    assert.equal(python.main.eval('acc.add(2)'), 3.5);
    assert.equal(python.main.eval(`__import__('${CYTHON}', fromlist=['x']).init_count()`), 1);
  });

  it("has a __file__, unlike other static modules: Cython sets it from the spec's origin, the addon", () => {
    const addon = python.main.import('_staticpytest_basic').origin;
    assert.deepEqual([python.main.import(CYTHON).file, python.main.import(CYTHON).origin], [addon, addon]);
    assert.equal(python.main.import('_staticpytest_basic').file, null);
  });

  it('gives the same module back on a re-import in the same interpreter, without running its body again', () => {
    python.main.import(CYTHON);
    python.main.exec(`import sys\nfirst = sys.modules.pop('${CYTHON}')\nimport ${CYTHON} as again`);
    assert.equal(python.main.eval('again is first'), true);
    assert.equal(python.main.eval('again.init_count()'), 1);
  });

  it("refuses a legacy subinterpreter with Cython's own ImportError, and the subinterpreter stays usable", () => {
    python.main.import(CYTHON);
    withInterpreter('legacy', (sub) => {
      assert.equal(importError(sub, CYTHON),
        'ImportError: Interpreter change detected - this module can only be loaded into one interpreter per process.');
    });
  });

  it("is refused by CPython in an isolated subinterpreter (3.12+) before Cython's guard runs",
    { skip: !modern && 'isolated interpreters need CPython 3.12+' }, () => {
      withInterpreter('isolated', (sub) => {
        assert.equal(importError(sub, CYTHON), 'ImportError: module cy.fast does not support loading in subinterpreters');
      });
    });
});

const PYO3 = 'rs.native';
const pyo3Supported = minor <= 11; // PyO3 0.17, Debian's librust-pyo3-dev

describe('PyO3 0.17 (single-phase, one initialisation per process) as rs.native', () => {
  it('is left out of builds for CPython 3.12+, with the reason', { skip: pyo3Supported && 'PyO3 0.17 supports this version' }, () => {
    const skipped = build().info.skipped.find((s) => s.name === PYO3);
    assert.match(skipped?.why ?? 'not skipped', /^pyo3: PyO3 0\.17\.\d+ supports CPython up to 3\.11; this is 3\.1[234]$/);
    assert.equal(python.staticModules().some((m) => m.name === PYO3), false);
    assert.equal(importError(python.main, PYO3), "ModuleNotFoundError: No module named 'rs'");
  });

  const skip = !pyo3Supported ? 'PyO3 0.17 builds for CPython up to 3.11' : toolchainSkip(PYO3);

  it('imports and runs in the main interpreter', { skip }, async () => {
    const r = await childJson<{ name: string; sum: number; serial: number }>(`
      const { python } = require('static-py');
      const info = python.main.import('${PYO3}');
      console.log(JSON.stringify({ name: info.__name__, sum: python.main.call('${PYO3}.add', 2, 40), serial: python.main.eval('__import__("${PYO3}", fromlist=["x"]).INIT_SERIAL') }));`);
    assert.deepEqual(r, { name: PYO3, sum: 42, serial: 1 });
  });

  it("refuses a second initialisation with PyO3's ImportError, in the same interpreter and in another", { skip }, async () => {
    const r = await childJson<{ again: string; sub: string; after: number }>(`
      const { python } = require('static-py');
      const py = python.main;
      const text = (f) => { try { f(); return 'no error'; } catch (e) { return e.pythonType + ': ' + e.pythonMessage; } };
      py.import('${PYO3}');
      py.exec('import sys\\ndel sys.modules["${PYO3}"]');
      const again = text(() => py.import('${PYO3}'));
      const interp = python.createInterpreter('legacy');
      const sub = text(() => interp.import('${PYO3}'));
      const after = interp.eval('6 * 7') + py.eval('0');
      interp.close();
      console.log(JSON.stringify({ again, sub, after }));`);
    const refused = 'ImportError: PyO3 modules may only be initialized once per interpreter process';
    assert.deepEqual(r, { again: refused, sub: refused, after: 42 });
  });
});
