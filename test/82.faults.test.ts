// Failures nothing real can cause on demand: CPython out of memory where
// static-py asks it for a thread state or a module, and a C++ exception
// inside a function CPython calls. STATIC_PY_INJECT_FAULT names the one
// point that fails (native/runtime/fault_injection.h), from the moment
// Python is up; each case runs in a process of its own, which must answer
// with a clear error and go on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { atLeast } from './helpers/build.js';
import { childJson } from './helpers/child.js';

const withFault = (point: string) => ({ env: { ...process.env, STATIC_PY_INJECT_FAULT: point } });

// What the child reports: the error of the step that fails, then proof that
// the process goes on and that nothing of the failed import stayed behind.
const importing = (module: string, register = 'fast') => `
  const { python } = require('static-py');
  python.configure({ register: '${register}' });
  const out = {};
  try { python.main.import('${module}'); out.error = 'none'; } catch (e) { out.error = e.pythonType ?? e.message; }
  out.after = python.main.eval('6 * 7');
  out.leftInSysModules = python.main.eval("'${module}' in __import__('sys').modules");
  console.log(JSON.stringify(out));`;

describe('a C++ exception inside a function CPython calls (rule 6)', () => {
  // The finder's methods are on the import path with register: 'finder';
  // the fast path (the default) calls none of them.
  for (const [point, module, register, skip] of [
    ['_find_and_load', '_staticpytest_multiphase', 'fast', false],
    ['find_spec', '_staticpytest_multiphase', 'finder', false],
    ['create_module', '_staticpytest_multiphase', 'finder', false],
    ['exec_module', '_staticpytest_multiphase', 'finder', false],
    ['PyModule_Create2', '_staticpytest_basic', 'fast', !atLeast(3, 12) && 'static-py wraps PyModule_Create2 from 3.12 only (package_context.h)'],
  ] as const) {
    it(`becomes a Python MemoryError when it is std::bad_alloc in ${point} (register: '${register}'), and the process goes on`, { skip }, async () => {
      const r = await childJson<{ error: string; after: number; leftInSysModules: boolean }>(importing(module, register), withFault(point));
      assert.deepEqual(r, { error: 'MemoryError', after: 42, leftInSysModules: false });
    });
  }
});

describe('CPython out of memory where static-py asks it for something', () => {
  it('leaves sys.modules clean when the isolated cache cannot register a module (PyState_AddModule fails)', async () => {
    const r = await childJson<{ error: string; after: number; leftInSysModules: boolean }>(
      importing('_staticpytest_basic').replace("require('static-py');", "require('static-py');\n  python.configure({ loader: 'isolated' });"),
      withFault('PyState_AddModule'));
    assert.deepEqual(r, { error: 'SystemError', after: 42, leftInSysModules: false });
  });

  it('rejects every async call with an Error when the executor gets no thread state, and sync calls go on', async () => {
    const r = await childJson<{ first: string; second: string; sync: number; closed: boolean }>(`
      const { python } = require('static-py');
      const interp = python.createInterpreter();
      const reason = (p) => p.then(() => 'resolved', (e) => e.message);
      (async () => {
        const first = await reason(interp.evalAsync('1'));
        const second = await reason(interp.callAsync('len', 'abc'));
        const sync = interp.eval('6 * 7');
        interp.close();
        console.log(JSON.stringify({ first, second, sync, closed: interp.closed }));
      })();`, withFault('PyThreadState_New:executor'));
    const failed = /^static-py: interpreter \d+: CPython could not make a thread state for async calls \(out of memory\); the call did not run$/;
    assert.match(r.first, failed);
    assert.match(r.second, failed);
    assert.equal(r.sync, 42);
    assert.equal(r.closed, true);
  });

  it("refuses a worker's first use of the main interpreter with an Error when it gets no thread state", async () => {
    const r = await childJson<{ worker: string; main: number }>(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      const main = python.main.eval('6 * 7');
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const { python } = require('static-py');
        try { python.main; parentPort.postMessage('started'); } catch (e) { parentPort.postMessage(e.message); }\`, { eval: true });
      worker.once('message', (m) => console.log(JSON.stringify({ worker: m, main: python.main.eval('6 * 7') })));`,
    withFault('PyThreadState_New:main'));
    assert.deepEqual(r, {
      worker: 'static-py: CPython could not make a thread state for this thread in the main interpreter (out of memory)',
      main: 42,
    });
  });

  it("answers a failing PyImport_AddModule('__main__') with a PythonError each time python.main is asked for", async () => {
    const r = await childJson<{ main: string; again: string }>(`
      const { python } = require('static-py');
      const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + ' ' + e.pythonType; } };
      console.log(JSON.stringify({ main: attempt(() => python.main), again: attempt(() => python.main) }));`,
    withFault('PyImport_AddModule:__main__'));
    assert.deepEqual(r, { main: 'PythonError MemoryError', again: 'PythonError MemoryError' });
  });

  it('works without the GIL nudger when its thread state cannot be made (3.9-3.12, where it exists)', {
    skip: !(atLeast(3, 9) && !atLeast(3, 13)) && 'no GIL nudger on this CPython',
  }, async () => {
    const r = await childJson<{ sub: number; main: number }>(`
      const { python } = require('static-py');
      const interp = python.createInterpreter('legacy');
      (async () => {
        const sub = await interp.evalAsync('sum(range(100000)) and 1');
        console.log(JSON.stringify({ sub, main: python.main.eval('6 * 7') }));
        interp.close();
      })();`, withFault('PyThreadState_New:nudger'));
    assert.deepEqual(r, { sub: 1, main: 42 });
  });
});
