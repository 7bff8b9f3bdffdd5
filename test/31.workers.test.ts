// Interpreters and worker_threads, and what happens at exit. Each case runs
// in its own process, which must exit with the expected code and no signal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { runChild } from './helpers/child.js';

// A pure-Python loop: it checks for asynchronous exceptions between bytecodes.
const SPIN = JSON.stringify('def spin(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t');

describe('worker_threads', () => {
  it('lets each worker create and use its own interpreters, and ends them when the worker ends', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      const code = \`
        const { python } = require('static-py');
        const { parentPort } = require('worker_threads');
        const a = python.createInterpreter(), b = python.createInterpreter('legacy');
        a.exec('x = 1'); b.exec('x = 2');
        Promise.all([a.evalAsync('x'), b.evalAsync('x')]).then((values) => {
          parentPort.postMessage({ ids: [a.id, b.id], values });
          parentPort.once('message', () => process.exit(0));
        });\`;
      const w = new Worker(code, { eval: true });
      w.on('message', ({ ids, values }) => {
        const fromHere = ids.map((id) => { try { python.interpreter(id); return 'usable'; } catch (e) { return e.message; } });
        w.postMessage('done');
        w.on('exit', () => {
          const after = ids.map((id) => { try { python.interpreter(id); return 'usable'; } catch (e) { return e.message; } });
          console.log(JSON.stringify({ values, fromHere, after, mine: python.interpreters().map((i) => i.id) }));
        });
      });`);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(result.values, [1, 2]);
    for (const message of result.fromHere) assert.match(message, /^static-py: interpreter \d+ belongs to another thread/);
    for (const message of result.after) assert.match(message, /^static-py: there is no interpreter \d+ \(closed, or never created\)/);
    assert.deepEqual(result.mine, [0]);
  });

  it('gives every worker the same python.version while the others load static-py and start Python', async () => {
    // Up to 3.12 Py_GetVersion() formats into a static buffer on each call:
    // read from several threads at once it could come out torn (an empty
    // version refused the build in a worker on 3.12.1).
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const code = \`
        const { python } = require('static-py');
        const { parentPort } = require('worker_threads');
        const seen = new Set();
        for (let i = 0; i < 2000; i++) { const v = python.version; seen.add(v.major + '.' + v.minor + '.' + v.micro + v.releaselevel); }
        python.main.eval('1');
        parentPort.postMessage([...seen]);\`;
      const workers = Array.from({ length: 8 }, () => new Worker(code, { eval: true }));
      const { python } = require('static-py');
      python.main.eval('1');
      const v = python.version;
      const mine = v.major + '.' + v.minor + '.' + v.micro + v.releaselevel;
      Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })))
        .then((seen) => { console.log(JSON.stringify({ mine, seen })); process.exit(0); }, (e) => { console.error(e); process.exit(3); });`);
    assert.equal(r.code, 0, r.stderr);
    const { mine, seen } = JSON.parse(r.stdout) as { mine: string; seen: string[][] };
    assert.match(mine, /^3\.\d+\.\d+(final|alpha|beta|candidate)$/);
    assert.deepEqual(seen, seen.map(() => [mine]));
  });

  it('says an interpreter its worker had to leave running is gone, not that it belongs to another thread', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      python.main.eval('1');
      const code = \`
        const { python } = require('static-py');
        const { parentPort } = require('worker_threads');
        const interp = python.createInterpreter('legacy');
        // A daemon thread: Py_EndInterpreter cannot wait for it, so the
        // worker's exit has to leave the interpreter running.
        interp.exec('import threading, time\\\\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True).start()');
        parentPort.postMessage(interp.id);\`;
      const w = new Worker(code, { eval: true });
      w.once('message', (id) => w.on('exit', () => {
        try { python.interpreter(id); console.log('usable'); } catch (e) { console.log(e.message); }
        process.exit(0);
      }));`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /still runs 1 thread\(s\) that Py_EndInterpreter cannot wait for .*\(left running as its environment goes away\)/);
    assert.match(r.stdout.trim(), /^static-py: interpreter \d+ was left running when the thread that created it went away \(it still ran threads Py_EndInterpreter cannot wait for\); no thread can use it any more$/);
  });

  it('survives a worker terminated in the middle of an async Python call', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      const code = \`
        const { python } = require('static-py');
        const { parentPort, workerData } = require('worker_threads');
        const interp = python.createInterpreter();
        interp.exec(workerData);
        python.main.exec(workerData);
        interp.callAsync('spin', 10 ** 10);
        python.main.callAsync('spin', 10 ** 10);
        parentPort.postMessage('running');\`;
      const workers = Array.from({ length: 3 }, () => new Worker(code, { eval: true, workerData: ${SPIN} }));
      for (const w of workers) w.on('message', () => setTimeout(() => w.terminate(), 100));
      Promise.all(workers.map((w) => new Promise((res) => w.on('exit', res)))).then(() => {
        console.log('all terminated', python.main.eval('1 + 1'));
      });`, { timeoutMs: 60_000 });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'all terminated 2');
  });
});

describe('workers terminated and processes ending mid-call, each gone within 2 s of the trigger', () => {
  const within = { marker: 'TRIGGER', ms: 2000 };

  // Before 3.12 every worker's interpreters share one GIL, and on 3.9-3.12
  // closing them as a worker goes away waits for a GIL that spinning calls in
  // other interpreters hold: static-py's GIL nudger gets it for them.
  it('terminates 16 workers, each with interpreters of its own, at seeded random moments in async calls', {
  }, async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      const code = \`
        const { python } = require('static-py');
        const { parentPort, workerData } = require('worker_threads');
        const own = python.version.minor >= 12 ? 'isolated' : 'legacy';
        // One CPU-bound call in flight per worker: before 3.12 every worker's
        // calls share one GIL, and 48 spinning threads (three per worker) made
        // the exit wait on GIL round-robin rather than on static-py.
        const mine = [python.createInterpreter(own), python.createInterpreter('legacy')];
        for (const i of mine) i.exec(workerData);
        python.main.exec(workerData);
        mine[0].callAsync('spin', 10 ** 10);
        parentPort.postMessage('running');\`;
      // A fixed seed: the same moments on every run.
      let seed = 20261121;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const workers = Array.from({ length: 16 }, () => new Worker(code, { eval: true, workerData: ${SPIN} }));
      let asked = 0;
      for (const w of workers) {
        w.on('message', () => setTimeout(() => {
          w.terminate();
          if (++asked === workers.length) console.log('TRIGGER');
        }, Math.floor(random() * 300)));
      }
      Promise.all(workers.map((w) => new Promise((res) => w.on('exit', res)))).then((codes) => {
        console.log('exit codes', JSON.stringify([...new Set(codes)]), 'main answers', python.main.eval('1 + 1'));
      });`, { timeoutMs: 120_000, exitWithin: within });
    assert.match(r.stdout, /TRIGGER/, `not every worker got as far as its calls:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.hung, false, `still running 2 s after the last terminate():\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /exit codes \[1\] main answers 2/);
  });

  it('exits with the code given to process.exit() while async calls run', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const interp = python.createInterpreter();
      interp.exec(${SPIN});
      python.main.exec(${SPIN});
      interp.callAsync('spin', 10 ** 10);
      python.main.callAsync('spin', 10 ** 10);
      setTimeout(() => { console.log('TRIGGER'); process.exit(7); }, 100);`, { exitWithin: within });
    assert.equal(r.hung, false, r.stderr);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 7, r.stderr);
  });

  it('exits with code 1 and the Python traceback on an unhandled Python exception in a callback', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      python.main.exec('def fail():\\n    raise LookupError("from a callback")');
      setTimeout(() => { console.log('TRIGGER'); python.main.call('fail'); }, 50);`, { exitWithin: within });
    assert.equal(r.hung, false, r.stderr);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /PythonError: LookupError: from a callback/);
    assert.match(r.stderr, /Traceback \(most recent call last\):[\s\S]*line 2, in fail/);
  });

  it('exits with code 1 on a Python exception in an async call nobody awaits', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const interp = python.createInterpreter();
      console.log('TRIGGER');
      interp.evalAsync('1 // 0');`, { exitWithin: within });
    assert.equal(r.hung, false, r.stderr);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ZeroDivisionError/);
  });
});

describe('exit', () => {
  it('ends live interpreters at normal exit and exits with code 0', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const kept = [python.createInterpreter(), python.createInterpreter('legacy'), python.createInterpreter()];
      kept[0].exec('import json');
      kept[1].exec('import threading\\nt = threading.Thread(target=lambda: None, daemon=False)\\nt.start()');
      python.main.exec('import atexit');
      kept[2].evalAsync('sum(range(1000))').then((v) => console.log('async result', v));`);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'async result 499500');
  });
});
