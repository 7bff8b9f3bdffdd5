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

  it('refuses to send an Interpreter or a PyObject to another worker, with a clear Error', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      const w = new Worker('require("worker_threads").parentPort.on("message", () => {})', { eval: true });
      for (const value of [python.main, python.main.eval('{1, 2}')]) {
        try { w.postMessage(value); console.log('sent'); } catch (e) { console.log(e.message); }
      }
      w.terminate();`);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^static-py: an Interpreter belongs to the thread that created it and cannot be copied or sent to another worker/);
    assert.match(lines[1]!, /^static-py: a PyObject belongs to the thread that created it/);
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

  it('exits at once on process.exit() while async calls run', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const interp = python.createInterpreter();
      interp.exec(${SPIN});
      python.main.exec(${SPIN});
      interp.callAsync('spin', 10 ** 10);
      python.main.callAsync('spin', 10 ** 10);
      setTimeout(() => process.exit(7), 100);`);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 7, r.stderr);
  });
});
