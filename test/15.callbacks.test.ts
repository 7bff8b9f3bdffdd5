// Python calling JavaScript (native/callbacks/callback_hub.h has the rules):
// a JS function handed to Python is a Python callable; on its own JS thread
// it runs directly, from any other thread it is queued to that thread's
// event loop while the caller waits without its GIL, and where waiting
// could never end it is refused with a RuntimeError instead of a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PyObject, python } from 'static-py';

import { atLeast } from './helpers/build.js';
import { childJson, runChild } from './helpers/child.js';

const py = python.main;
py.exec(`
import threading

def apply(f, *args, **kwargs):
    return f(*args, **kwargs)

def in_thread(f, *args):
    # f(*args) on a new Python thread, joined: its result, or its exception as text.
    out = {}
    def run():
        try:
            out['result'] = f(*args)
        except Exception as e:
            out['result'] = type(e).__name__ + ': ' + str(e)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out['result']

def caught(f):
    try:
        f()
    except Exception as e:
        return [type(e).__name__, e.name, e.message, e.stack.splitlines()[0]]
`);

describe('a JS function passed to Python', () => {
  it('is a Python callable: sorted() takes it as its key', () => {
    assert.deepEqual(py.call('sorted', [3, 1, 2], { kwargs: { key: (x: number) => -x } }), [3, 2, 1]);
  });

  it('gets positional arguments converted as results are, and keyword arguments as one trailing object', () => {
    const seen: unknown[][] = [];
    const f = (...args: unknown[]) => (seen.push(args), 'ok');
    assert.equal(py.call('apply', f, 1, 'two', [3], { kwargs: { four: 4 } }), 'ok');
    assert.deepEqual(seen, [[1, 'two', [3], { four: 4 }]]);
    // Keywords written out in the call (vectorcall's names, not a dict) arrive the same way.
    py.exec('def by_name(f):\n    return f(1, b=2, c=[3])\n');
    assert.deepEqual(py.call('by_name', (...args: unknown[]) => args), [1, { b: 2, c: [3] }]);
    const [handle] = py.call('apply', (o: unknown) => [o], py.eval('object()')) as [unknown];
    assert.ok(handle instanceof PyObject, 'a Python object JS cannot convert arrives as a PyObject');
  });

  it('returns its JS value converted as arguments are', () => {
    assert.deepEqual(py.eval('None') ?? py.call('apply', () => ({ a: [1n, Buffer.from('x')] })), { a: [1, Buffer.from('x')] });
    assert.equal(py.call('apply', () => undefined), null);
  });

  it('raises a JS exception in Python as JSError, with the name, message and stack of the JS error', () => {
    const [type, name, message, stack] = py.call('caught', () => { throw new RangeError('out of range'); }) as string[];
    assert.deepEqual([type, name, message, stack], ['JSError', 'RangeError', 'out of range', 'RangeError: out of range']);
  });

  it('gives the JS caller back the very error the function threw when Python lets it propagate', () => {
    const thrown = new TypeError('mine');
    assert.throws(() => py.call('apply', () => { throw thrown; }), (e) => e === thrown);
  });

  it('comes back to JS as the same function, and a Python callable passed back to Python arrives as itself', () => {
    const f = (x: number) => x;
    assert.equal(py.call('apply', (g: unknown) => g, f), f);
    assert.equal(py.call('apply', (g: unknown) => g, py.eval('len')) instanceof PyObject, true);
    assert.equal(py.call('apply', py.eval('len'), [1, 2, 3]), 3);
    py.exec('def same(f, g):\n    return f is g');
    const len = py.eval('len');
    assert.equal(py.call('same', len, py.eval('len')), true);
  });
});

describe('which thread runs it', () => {
  it('runs directly on its JS thread during a sync call, and nested calls back into Python work', () => {
    const order: string[] = [];
    const f = () => (order.push('js'), py.eval('6 * 7'));
    assert.equal(py.call('apply', f), 42);
    assert.deepEqual(order, ['js']);
  });

  it('is queued to its JS thread from an async call, whose thread waits without its GIL', async () => {
    const results = await Promise.all([
      py.callAsync('apply', (x: number) => x * 2, 21),
      py.callAsync('in_thread', (x: number) => x + 1, 1),
      py.evalAsync('6 * 7'),
    ]);
    assert.deepEqual(results, [42, 2, 42]);
  });

  it('is called from a Python thread an async call started, after that call returned', async () => {
    py.exec(`
def call_later(f):
    def run():
        import time
        time.sleep(0.05)
        f('from a thread')
    threading.Thread(target=run).start()
    return 'started'
`);
    // Python threads do not keep Node's event loop alive: the test does.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      let resolve!: (value: unknown) => void;
      const called = new Promise((r) => (resolve = r));
      assert.equal(await py.callAsync('call_later', (x: unknown) => resolve(x)), 'started');
      assert.equal(await called, 'from a thread');
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('runs for an own-GIL interpreter, sync and async, and for two interpreters calling back at once', { skip: !atLeast(3, 12) && 'own-GIL interpreters are 3.12+' }, async () => {
    const own = python.createInterpreter('isolated');
    try {
      own.exec('def apply(f, *a):\n    return f(*a)');
      assert.equal(own.call('apply', (a: number) => `own ${a}`, 1), 'own 1');
      const both = await Promise.all([
        own.callAsync('apply', (x: number) => x + 100, 1),
        py.callAsync('apply', (x: number) => x + 200, 2),
        own.callAsync('apply', (x: number) => x + 300, 3),
      ]);
      assert.deepEqual(both, [101, 202, 303]);
    } finally {
      own.close();
    }
  });

  it('can be queued without waiting (call_soon), for event-style callbacks', async () => {
    py.exec('def fire(f):\n    f.call_soon("event", 1)\n    return "fired"');
    let resolve!: (value: unknown) => void;
    const got = new Promise((r) => (resolve = r));
    assert.equal(py.call('fire', (...args: unknown[]) => resolve(args)), 'fired');
    assert.deepEqual(await got, ['event', 1]);
  });
});

describe('where waiting could never end', () => {
  it('refuses a call from another Python thread while its JS thread is blocked in a sync call, with RuntimeError saying what to do', () => {
    const said = py.call('in_thread', (x: number) => x, 1) as string;
    assert.match(said, /^RuntimeError: static-py: this JS function belongs to a Node thread that is blocked in a synchronous call into Python, .* make that call with callAsync/);
  });

  it('the same call made async runs', async () => {
    assert.equal(await py.callAsync('in_thread', (x: number) => x, 1), 1);
  });

  it('refuses to close an interpreter from a JS function called by a call into that interpreter', () => {
    const sub = python.createInterpreter('legacy');
    sub.exec('def apply(f):\n    return f()');
    // close() throws in the JS function; Python lets it propagate; the caller gets that Error.
    assert.throws(() => sub.call('apply', () => sub.close()), {
      message: /^static-py: interpreter \d+ is running a call that is waiting for this JS function; close it after that call returns$/,
    });
    assert.equal(sub.eval('1 + 1'), 2);
    sub.close();
  });
});

describe('bad input', () => {
  it('a function that returns something Python cannot take (a Symbol) raises TypeError in Python', () => {
    assert.throws(() => py.call('apply', () => Symbol('s')), {
      pythonType: 'TypeError', pythonMessage: "static-py: cannot convert the JS function's return value (a Symbol) to Python",
    });
  });

  it('a thrown value that is not an Error becomes a JSError with what was thrown', () => {
    assert.throws(() => py.call('apply', () => { throw 42; }), { pythonType: 'static_py.JSError', pythonMessage: 'Error: a JS function threw 42' });
  });

  it('recursing JS -> Python -> JS 1,000 deep ends in the stack error of the side that ran out, and the process goes on', () => {
    const down = (n: number): number => (n >= 1000 ? n : (py.call('apply', down, n + 1) as number));
    assert.throws(() => down(0), (e: Error) => e instanceof RangeError || (e as { pythonType?: string }).pythonType === 'RecursionError');
    assert.equal(py.eval('1 + 1'), 2);
  });
});

describe('lifetimes', () => {
  it('keeps a JS function alive while Python holds it, and lets it go when Python does', async () => {
    const r = await childJson<{ held: string; collected: boolean }>(`
      const { python } = require('static-py');
      const py = python.main;
      py.exec('held = []');
      let collected = false;
      const registry = new FinalizationRegistry(() => (collected = true));
      (() => {
        const f = (x) => 'still here ' + x;
        registry.register(f, 'f');
        py.call('held.append', f);
      })();
      global.gc();
      const held = py.eval('held[0](1)');
      py.exec('held.clear()');
      (async () => {
        for (let i = 0; i < 20 && !collected; i++) {
          await new Promise((r) => setTimeout(r, 10));
          global.gc();
        }
        console.log(JSON.stringify({ held, collected }));
      })();`, { args: ['--expose-gc'] });
    assert.deepEqual(r, { held: 'still here 1', collected: true });
  });

  it("raises RuntimeError in Python for a function whose worker has ended, and refuses it back on another thread", async () => {
    const r = await childJson<{ call: string; back: string }>(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      const py = python.main;
      py.exec('kept = []');
      const w = new Worker("require('static-py').python.main.call('kept.append', (x) => x)", { eval: true });
      w.on('exit', () => {
        const out = {};
        try { py.eval('kept[0](1)'); } catch (e) { out.call = e.pythonType + ': ' + e.pythonMessage; }
        try { py.eval('kept[0]'); } catch (e) { out.back = e.message; }
        console.log(JSON.stringify(out));
      });`);
    assert.deepEqual(r, {
      call: "RuntimeError: static-py: this JS function's Node thread (its environment) has ended; it can no longer be called",
      back: 'static-py: a JS function of another Node thread (worker) cannot be used on this one',
    });
  });

  it("closes an interpreter whose async call waits for a JS function: that call gets RuntimeError, close() returns", async () => {
    const r = await childJson<{ closed: boolean; error: string }>(`
      const { python } = require('static-py');
      const sub = python.createInterpreter('legacy');
      sub.exec('def apply(f):\\n    return f()');
      const pending = sub.callAsync('apply', () => 1).then(() => 'resolved', (e) => e.message);
      // The JS thread does not get back to its event loop before close(): the call stays queued.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      sub.close();
      pending.then((error) => console.log(JSON.stringify({ closed: sub.closed, error })));`);
    assert.equal(r.closed, true);
    assert.match(r.error, /^static-py: interpreter \d+ was closed while this call ran/);
  });

  it('ends a worker whose Python thread waits for one of its JS functions, and the process goes on', async () => {
    const r = await childJson<{ exitCode: number; main: number }>(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      const w = new Worker(\`
        const { python } = require('static-py');
        python.main.exec('def apply(f):\\\\n    return f()');
        python.main.callAsync('apply', () => 1);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
        process.exit(3);\`, { eval: true });
      w.on('exit', (exitCode) => console.log(JSON.stringify({ exitCode, main: python.main.eval('6 * 7') })));`);
    assert.deepEqual(r, { exitCode: 3, main: 42 });
  });

  it('exits with code 0 when the process ends with callbacks still referenced and queued, and a Python thread waiting', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const py = python.main;
      py.exec(\`
import threading, time
results = []
def wait_forever(f):
    def run():
        try:
            results.append(f(1))
        except Exception as e:
            results.append(str(e))
    threading.Thread(target=run, daemon=True).start()
\`);
      py.call('wait_forever', (x) => new Promise(() => {}));
      py.exec('held = [lambda: None]');
      setTimeout(() => process.exit(0), 50);`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
  });
});
