// The loader's process-wide settings (python.configure({ loader,
// packageContext })) and importByInitFunc's initFrom, which the lab builds
// on. Each case runs in its own process: the settings are process-wide.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { python } from 'static-py';

import { childJson } from './helpers/child.js';

describe('python.configure({ loader, packageContext })', () => {
  it('refuses an unknown loader or a packageContext that is not a boolean, with a TypeError naming the option', () => {
    assert.throws(() => python.configure({ loader: 'shared' as never }), {
      name: 'TypeError',
      message: /options\.loader must be 'cpython' or 'isolated', got the string "shared"/,
    });
    assert.throws(() => python.configure({ packageContext: 'yes' as never }), {
      name: 'TypeError',
      message: /options\.packageContext must be a boolean/,
    });
  });

  it("'isolated' gives a legacy subinterpreter its own copy of an m_size -1 module", async () => {
    const r = await childJson<{ mainCopy: unknown; subInit: number; mainInit: number }>(`
      const { python } = require('static-py');
      const { moduleState } = require('static-py/lab');
      python.configure({ loader: 'isolated' });
      python.main.import('_staticpytest_basic');
      const sub = python.createInterpreter('legacy');
      sub.import('_staticpytest_basic');
      const out = {
        mainCopy: moduleState(python.main, '_staticpytest_basic').mCopy,
        mainInit: python.main.call('_staticpytest_basic.init_count'),
        subInit: sub.call('_staticpytest_basic.init_count'),
      };
      sub.close();
      console.log(JSON.stringify(out));`);
    assert.deepEqual(r.mainCopy, { present: true, owner: 0, kept: 'per-interpreter' });
    assert.equal(r.subInit, 2, 'init ran again for the subinterpreter instead of copying main\'s objects');
  });

  it('cannot change the loader once a static module has been cached, and says when to set it', async () => {
    const r = await childJson<{ message: string }>(`
      const { python } = require('static-py');
      python.main.import('_staticpytest_basic');
      try {
        python.configure({ loader: 'isolated' });
        console.log(JSON.stringify({ message: 'no error' }));
      } catch (e) {
        console.log(JSON.stringify({ message: e.message }));
      }`);
    assert.equal(r.message,
      "static-py: the loader policy is already 'cpython' for this process, fixed by the first static import (choose it before that)");
  });

  it('is one setting for the whole process: a worker sees the loader another thread chose, may ask for the same, and is refused another', async () => {
    const r = await childJson<{ before: unknown; chosen: unknown; seen: unknown; same: string; other: string; context: string; after: unknown }>(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      const before = python.loader;
      python.configure({ loader: 'isolated', packageContext: false });
      const chosen = python.loader;
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const { python } = require('static-py');
        const attempt = (options) => { try { python.configure(options); return 'accepted'; } catch (e) { return e.message; } };
        const seen = python.loader;
        const same = attempt({ loader: 'isolated' });
        const other = attempt({ loader: 'cpython' });
        const context = attempt({ packageContext: true });
        python.main.import('_staticpytest_basic');
        parentPort.postMessage({ seen, same, other, context, after: python.loader });\`, { eval: true });
      worker.once('message', (m) => {
        // The thread that chose a setting may still change it (the policy
        // only until the first static import, which the worker made).
        python.configure({ packageContext: true });
        console.log(JSON.stringify({ before, chosen, ...m, after: python.loader }));
      });`);
    assert.deepEqual(r.before, { loader: 'cpython', packageContext: true, loaderFixed: false });
    assert.deepEqual(r.chosen, { loader: 'isolated', packageContext: false, loaderFixed: false });
    assert.deepEqual(r.seen, r.chosen, "the worker reads the process's settings, not defaults of its own");
    assert.equal(r.same, 'accepted');
    assert.equal(r.other, "static-py: the loader policy is process-wide, and another thread (a worker or the main thread) chose 'isolated'; " +
      'every thread must ask for the same, or leave it to that thread');
    assert.equal(r.context, 'static-py: packageContext is process-wide, and another thread (a worker or the main thread) chose false; ' +
      'every thread must ask for the same, or leave it to that thread');
    assert.deepEqual(r.after, { loader: 'isolated', packageContext: true, loaderFixed: true });
  });

  it("lets no import slip in while another thread's configure() changes the policy: the import waits and uses the new one", async () => {
    // STATIC_PY_INJECT_FAULT=pause:ChoosePolicy holds the worker for 500 ms
    // between configure()'s check and its store; the main thread imports
    // 100 ms into that pause. Which cache served the import shows in a
    // legacy interpreter: the isolated loader runs init again there (count
    // 2), CPython's serves m_copy (count 1).
    const r = await childJson<{ configured: string; initCount: number; after: unknown }>(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      python.main.eval('1');
      const ready = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(\`
        const { parentPort, workerData: ready } = require('node:worker_threads');
        const { python } = require('static-py');
        python.loader;
        Atomics.store(ready, 0, 1);
        Atomics.notify(ready, 0);
        let configured = 'accepted';
        try { python.configure({ loader: 'isolated' }); } catch (e) { configured = e.message; }
        parentPort.postMessage(configured);\`, { eval: true, workerData: ready });
      Atomics.wait(ready, 0, 0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      python.main.import('_staticpytest_basic');
      const legacy = python.createInterpreter('legacy');
      const initCount = legacy.eval("__import__('_staticpytest_basic').init_count()");
      legacy.close();
      worker.once('message', (configured) => console.log(JSON.stringify({ configured, initCount, after: python.loader })));`,
    { env: { ...process.env, STATIC_PY_INJECT_FAULT: 'pause:ChoosePolicy' } });
    assert.deepEqual(r, { configured: 'accepted', initCount: 2, after: { loader: 'isolated', packageContext: true, loaderFixed: true } });
  });

  it('packageContext: false reproduces a loader without the package context: pkg.sub is named sub', async () => {
    const r = await childJson<{ name: string; child: boolean }>(`
      const { python } = require('static-py');
      python.configure({ packageContext: false });
      const info = python.main.import('staticpytest_pkg.sub');
      console.log(JSON.stringify({ name: info.__name__, child: python.main.eval('"sub.child" in __import__("sys").modules') }));`);
    assert.deepEqual(r, { name: 'sub', child: true });
  });
});

describe("importByInitFunc(name, { initFrom })", () => {
  it("runs another static entry's init function under a new dotted name, with the package context", async () => {
    const r = await childJson<string[]>(`
      const { python } = require('static-py');
      const single = python.main.importByInitFunc('staticpytest_pkg._staticpytest_basic', { initFrom: '_staticpytest_basic' });
      const multi = python.main.importByInitFunc('staticpytest_pkg._staticpytest_multiphase', { initFrom: '_staticpytest_multiphase' });
      console.log(JSON.stringify([single.__name__, multi.__name__]));`);
    assert.deepEqual(r, ['staticpytest_pkg._staticpytest_basic', 'staticpytest_pkg._staticpytest_multiphase']);
  });

  it('needs the parent package to be importable, as any import does', () => {
    assert.throws(() => python.main.importByInitFunc('no_such_parent._staticpytest_basic', { initFrom: '_staticpytest_basic' }), {
      pythonType: 'ModuleNotFoundError',
      pythonMessage: "No module named 'no_such_parent'",
    });
  });

  it('says so when the build has no entry of that name, or when symbol is given too', () => {
    assert.throws(() => python.main.importByInitFunc('a._staticpytest_basic', { initFrom: 'no_such_entry' }), {
      message: "static-py: importByInitFunc('a._staticpytest_basic', { initFrom: 'no_such_entry' }): this build has no static extension named 'no_such_entry'",
    });
    assert.throws(() => python.main.importByInitFunc('a.b', { initFrom: 'x', symbol: 'PyInit_b' }), {
      name: 'TypeError',
      message: /names both initFrom and symbol; give one/,
    });
  });
});

describe("python.configure({ register: 'inittab' })", () => {
  it("serves top-level static modules through CPython's inittab instead of the finder, and not dotted ones", async () => {
    const r = await childJson<{ loader: string; builtin: boolean; dotted: string; finders: number }>(`
      const { python } = require('static-py');
      python.configure({ register: 'inittab' });
      const py = python.main;
      let dotted = 'imported';
      try { py.import('staticpytest_pkg.sub'); } catch (e) { dotted = e.pythonType + ': ' + e.pythonMessage; }
      console.log(JSON.stringify({
        loader: py.import('_staticpytest_basic').loader,
        builtin: py.eval('"_staticpytest_basic" in __import__("sys").builtin_module_names'),
        dotted,
        finders: py.eval('sum(type(f).__name__ == "StaticFinder" for f in __import__("sys").meta_path)'),
      }));`);
    assert.deepEqual(r, { loader: 'builtin', builtin: true, dotted: "ModuleNotFoundError: No module named 'staticpytest_pkg'", finders: 0 });
  });

  it('is refused with a TypeError for another value, and with an Error once Python runs', () => {
    assert.throws(() => python.configure({ register: 'table' as never }), { name: 'TypeError', message: /options\.register must be 'fast', 'finder' or 'inittab', got the string "table"/ });
    python.main.eval('1');
    assert.throws(() => python.configure({ register: 'inittab' }), {
      message: 'static-py: python.configure({ register }) must come before Python starts (the first use of python.main)',
    });
  });
});
