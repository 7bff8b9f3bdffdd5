// The GIL is held only during a call: Python threads run while JS is idle,
// and several Node environments share the main interpreter safely.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';

import { python } from 'static-py';

import { runChild } from './helpers/child.js';

const py = python.main;

describe('the GIL', () => {
  it('is released between calls, so Python threads run while JS waits', async () => {
    py.exec(`
import threading
ticks = 0
stop = threading.Event()
def tick():
    global ticks
    while not stop.is_set():
        ticks += 1
        stop.wait(0.001)
ticker = threading.Thread(target=tick, daemon=True)
ticker.start()`);
    const before = py.eval('ticks') as number;
    await sleep(200);
    const after = py.eval('ticks') as number;
    py.exec('stop.set(); ticker.join()');
    assert.ok(after - before > 10, `the Python thread ticked ${after - before} times in 200 ms`);
  });

  it('lets worker threads use the main interpreter, each with its own thread state', async () => {
    const r = await runChild(`
      const { Worker } = require('worker_threads');
      const { python } = require('static-py');
      python.main.exec('import threading\\nlock = threading.Lock()\\ncount = 0\\ndef bump(n):\\n    global count\\n    for _ in range(n):\\n        with lock:\\n            count += 1\\n    return threading.get_ident()');
      const code = "const { python } = require('static-py'); const { parentPort } = require('worker_threads');" +
        "let id; for (let i = 0; i < 50; i++) id = python.main.call('bump', 100); parentPort.postMessage(id);";
      const workers = Array.from({ length: 4 }, () => new Worker(code, { eval: true }));
      Promise.all(workers.map((w) => new Promise((res, rej) => { w.on('message', res); w.on('error', rej); })))
        .then((ids) => {
          const mine = python.main.call('bump', 0);
          console.log(JSON.stringify({ count: python.main.eval('count'), distinct: new Set([...ids, mine]).size }));
        });`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { count: 4 * 50 * 100, distinct: 5 });
  });

  // CPython 3.9-3.12 sends a waiter's drop request to the waiter's own
  // interpreter only; static-py's GIL nudger (native/runtime/gil_nudger.h)
  // asks the holder's. A hang bound, not a speed test.
  it('hands a shared GIL to sync calls in other interpreters while one loops in Python without blocking', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const spin = 'def spin(n):\\n    t = 0\\n    for i in range(n):\\n        t += i\\n    return t';
      const a = python.createInterpreter('legacy');
      const b = python.createInterpreter('legacy');
      a.exec(spin);
      a.callAsync('spin', 10 ** 12).catch(() => {});
      setTimeout(() => {
        console.log('ASKING');
        const answers = [b.eval('6 * 7'), python.main.eval('6 * 7')];
        for (let i = 0; i < 20; i++) answers.push(b.eval(String(i)));
        console.log('answered', answers.slice(0, 2).join(' '), answers.length);
        process.exit(0);
      }, 300);`, { exitWithin: { marker: 'ASKING', ms: 5000 }, timeoutMs: 60_000 });
    assert.equal(r.hung, false, `the calls were still waiting for the GIL 5 s later:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answered 42 42 22/);
  });

  // A thread state belongs to the thread that made it (3.8-3.14): CPython
  // finds threads by that id (PyThreadState_SetAsyncExc, faulthandler). A
  // state static-py made on one thread for use on another (the nudger's,
  // once) passed for a second state of the calling thread and took its
  // asynchronous exceptions (CPython's test_threading hung in test/90).
  it('makes each of its thread states on the thread that uses it, so an asynchronous exception reaches the thread it names', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      // A shared-GIL subinterpreter starts the GIL nudger where there is one (3.9-3.12).
      python.createInterpreter('legacy').eval('1');
      python.main.exec([
        'import ctypes, threading',
        'set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc',
        'set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)',
        'class AsyncExc(Exception): pass',
        'me = threading.get_ident()',
        'try:',
        '    set_async_exc(me, ctypes.py_object(AsyncExc))',
        '    for _ in range(10 ** 7): pass',
        '    outcome = "not raised"',
        'except AsyncExc:',
        '    outcome = "raised"',
      ].join('\\n'));
      console.log(python.main.eval('outcome'));`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'raised');
  });
});
