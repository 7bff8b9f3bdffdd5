// Subinterpreters from TypeScript: create, use, isolate, close.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { PythonError, python, type Interpreter } from 'static-py';
import { type ModuleState, moduleState } from 'static-py/lab';

import { atLeast, build, tempDir } from './helpers/build.js';
import { childJson } from './helpers/child.js';

const modern = atLeast(3, 12);
const running = build().info.python.version.slice(0, 3).join('.');

describe('createInterpreter', () => {
  it('gives an interpreter with its own id and the same methods as python.main', () => {
    const interp = python.createInterpreter();
    try {
      assert.ok(interp.id > 0);
      assert.equal(interp.isMain, false);
      assert.equal(interp.closed, false);
      interp.exec('x = 20');
      assert.equal(interp.eval('x + 1'), 21);
      assert.equal(interp.call('math.hypot', 3, 4), 5);
      assert.equal(interp.import('json').loader, 'source');
      assert.equal(python.main.eval('"x" in dir()'), false, 'a subinterpreter has its own __main__');
      assert.equal(python.interpreter(interp.id), interp);
      assert.ok(python.interpreters().includes(interp));
    } finally {
      interp.close();
    }
  });

  it('installs the static finder in the new interpreter', () => {
    const interp = python.createInterpreter();
    try {
      assert.equal(interp.eval('type(__import__("sys").meta_path[0]).__qualname__'), 'StaticFinder');
      assert.equal(interp.importByInitFunc('_staticpytest_multiphase').__name__, '_staticpytest_multiphase');
      const info = interp.import('_staticpytest_multiphase');
      assert.deepEqual([info.loader, info.__name__], ['static', '_staticpytest_multiphase']);
    } finally {
      interp.close();
    }
  });

  it(`defaults to ${modern ? "CPython's isolated configuration" : 'a legacy interpreter'} on Python ${running}`, () => {
    const interp = python.createInterpreter();
    try {
      assert.deepEqual(interp.options, modern
        ? { preset: 'isolated', legacy: false, gil: 'own', checkMultiInterpExtensions: true, useMainObmalloc: false, allowFork: false, allowExec: false, allowThreads: true, allowDaemonThreads: false }
        : { preset: 'legacy', legacy: true, gil: 'shared', checkMultiInterpExtensions: false, useMainObmalloc: true, allowFork: true, allowExec: true, allowThreads: true, allowDaemonThreads: true });
    } finally {
      interp.close();
    }
  });

  it('creates and closes 100 interpreters in a loop', () => {
    const ids = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const interp = python.createInterpreter(i % 2 ? 'legacy' : undefined);
      ids.add(interp.id);
      assert.equal(interp.call('len', [i]), 1);
      interp.close();
    }
    assert.equal(ids.size, 100);
    assert.deepEqual(python.interpreters().map((i) => i.id), [0]);
  });
});

describe('interpreter options', () => {
  it('refuses unknown options and wrong types with a TypeError naming them', () => {
    assert.throws(() => python.createInterpreter({ gill: 'own' } as never), { name: 'TypeError', message: /has an unknown option 'gill'; known options are preset, gil, checkMultiInterpExtensions/ });
    assert.throws(() => python.createInterpreter({ gil: 'mine' } as never), { name: 'TypeError', message: "static-py: options.gil must be 'own' or 'shared', got the string \"mine\"" });
    assert.throws(() => python.createInterpreter({ allowFork: 1 } as never), { name: 'TypeError', message: 'static-py: options.allowFork must be a boolean, got number 1' });
    assert.throws(() => python.createInterpreter('fast' as never), { name: 'TypeError', message: /options\.preset must be 'isolated' or 'legacy'/ });
  });

  if (!modern) {
    it(`refuses 3.12-only options on Python ${running}, naming the option and the version`, () => {
      assert.throws(() => python.createInterpreter({ gil: 'own' }), {
        message: `static-py: the interpreter option 'gil' needs CPython 3.12 or newer; this is Python ${running}, where every subinterpreter is legacy (shared GIL, shared allocator)`,
      });
      assert.throws(() => python.createInterpreter('isolated'), { message: new RegExp(`'isolated' preset needs CPython 3\\.12 or newer; this is Python ${running.replace(/\./g, '\\.')}`) });
      const legacy = python.createInterpreter({ preset: 'legacy' });
      assert.equal(legacy.options!.legacy, true);
      legacy.close();
    });
  } else {
    it('maps options onto PyInterpreterConfig, with presets and overrides', () => {
      const interp = python.createInterpreter({ preset: 'isolated', gil: 'shared', useMainObmalloc: true, checkMultiInterpExtensions: false });
      try {
        assert.equal(interp.options!.preset, 'custom');
        assert.equal(interp.import('_staticpytest_basic').__name__, '_staticpytest_basic', 'single-phase loads without the check');
      } finally {
        interp.close();
      }
    });

    it("returns CPython's own refusals as clear Errors", () => {
      assert.throws(() => python.createInterpreter({ checkMultiInterpExtensions: false }), {
        message: /^static-py: CPython refused to create the interpreter: per-interpreter obmalloc does not support single-phase init extension modules/,
      });
    });

    it('refuses an own GIL with the main allocator, which CPython forbids but 3.12 and 3.13 accept', () => {
      assert.throws(() => python.createInterpreter({ gil: 'own', useMainObmalloc: true }), { message: /gil: 'own' cannot be combined with useMainObmalloc: true/ });
    });
  }
});

describe('isolation', () => {
  it('gives each interpreter its own module and state for a multi-phase module', () => {
    const a = python.createInterpreter();
    const b = python.createInterpreter();
    try {
      python.main.import('_staticpytest_multiphase');
      a.import('_staticpytest_multiphase');
      b.import('_staticpytest_multiphase');
      const states = [python.main, a, b].map((i) => moduleState(i, '_staticpytest_multiphase'));
      assert.equal(new Set(states.map((s) => s.id)).size, 3);
      assert.equal(new Set(states.map((s) => s.state)).size, 3);
      assert.equal(new Set(states.map((s) => s.def)).size, 1, 'one def, shared by all');
      assert.ok(states.every((s) => s.initKind === 'multi-phase' && s.mCopy === null));
    } finally {
      a.close();
      b.close();
    }
  });

  if (modern) {
    it('refuses a single-phase module in an isolated interpreter with CPython\'s ImportError', () => {
      const interp = python.createInterpreter('isolated');
      try {
        assert.throws(() => interp.import('_staticpytest_with_reinit'), {
          pythonType: 'ImportError',
          pythonMessage: 'module _staticpytest_with_reinit does not support loading in subinterpreters',
        });
        assert.equal(interp.eval('1 + 1'), 2);
      } finally {
        interp.close();
      }
    });

    it('refuses a Py_mod_multiple_interpreters NOT_SUPPORTED module where CPython checks (isolated), not in legacy ones', () => {
      const isolated = python.createInterpreter('isolated');
      const legacy = python.createInterpreter('legacy');
      try {
        assert.throws(() => isolated.import('_staticpytest_multi_interp_not_supported'), {
          pythonMessage: 'module _staticpytest_multi_interp_not_supported does not support loading in subinterpreters',
        });
        assert.equal(legacy.import('_staticpytest_multi_interp_not_supported').loader, 'static');
      } finally {
        isolated.close();
        legacy.close();
      }
    });
  }

  // In a fresh process: the first import in main must really be the first
  // (on 3.13, an import in a subinterpreter runs init in main too).
  it('shares a single-phase m_copy between legacy interpreters, and tells whose objects it holds', async () => {
    type Seen = ModuleState & { initCount: number };
    const { main, sub } = await childJson<{ main: Seen; sub: Seen }>(`
      const { python } = require('static-py');
      const { moduleState } = require('static-py/lab');
      python.main.import('_staticpytest_basic');
      const interp = python.createInterpreter('legacy');
      interp.import('_staticpytest_basic');
      const seen = (i) => ({ ...moduleState(i, '_staticpytest_basic'), initCount: i.call('_staticpytest_basic.init_count') });
      const states = { main: seen(python.main), sub: seen(interp) };
      interp.close();
      console.log(JSON.stringify(states));`);
    assert.notEqual(sub.id, main.id);
    assert.deepEqual(main.mCopy, { present: true, owner: 0, kept: 'in the def' });
    assert.equal(sub.def, null, 'made from m_copy, so PyModule_GetDef finds no def');
    assert.equal(sub.initCount, main.initCount, 'served from m_copy: init not called again');
  });
});

describe('async calls', () => {
  it('run on the interpreter\'s own thread and settle promises', async () => {
    const interp = python.createInterpreter();
    try {
      await interp.execAsync('import threading\nmain_ident = threading.main_thread().ident');
      assert.equal(await interp.evalAsync('6 * 7'), 42);
      assert.equal(await interp.callAsync('math.hypot', 3, 4), 5);
      const runsElsewhere = await interp.evalAsync('threading.get_ident() != main_ident or threading.current_thread() is threading.main_thread()');
      assert.equal(runsElsewhere, true);
      await assert.rejects(interp.evalAsync('1 / 0'), (e: PythonError) => e.pythonType === 'ZeroDivisionError');
      await assert.rejects(interp.callAsync('nope.nothing'), { pythonType: 'ModuleNotFoundError' });
      assert.deepEqual(await interp.callAsync('bytes', Buffer.from('ab')), Buffer.from('ab'));
    } finally {
      interp.close();
    }
  });

  it('run in the order they were made, one at a time, for one interpreter', async () => {
    const interp = python.createInterpreter();
    try {
      interp.exec('log = []');
      const calls = Array.from({ length: 20 }, (_, i) => interp.execAsync(`log.append(${i})`));
      await Promise.all(calls);
      assert.deepEqual(interp.eval('log'), Array.from({ length: 20 }, (_, i) => i));
    } finally {
      interp.close();
    }
  });

  it('never block the event loop', async () => {
    const interp = python.createInterpreter();
    try {
      interp.exec('import time');
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await interp.execAsync('time.sleep(0.3)');
      clearInterval(timer);
      assert.ok(ticks >= 10, `the event loop ticked ${ticks} times during a 300 ms Python call`);
    } finally {
      interp.close();
    }
  });

  it('work on the main interpreter too', async () => {
    assert.equal(await python.main.evalAsync('sum(range(100))'), 4950);
  });

  if (modern) {
    it('run two own-GIL interpreters at the same time (each spins until it sees the other)', async () => {
      // Both loops hold their GIL without ever releasing it (a huge switch
      // interval, no blocking calls): they can only meet if they truly run
      // in parallel. They meet in a shared file mapping (ctypes is a
      // single-phase module, not importable in isolated interpreters). A
      // deadline turns a failure into False rather than a hang.
      const file = path.join(tempDir(), 'rendezvous');
      fs.writeFileSync(file, Buffer.alloc(2));
      const code = `
import mmap, sys, time
sys.setswitchinterval(1000)
def meet(me, other, path):
    with open(path, "r+b") as f:
        flags = mmap.mmap(f.fileno(), 2)
    flags[me] = 1
    deadline = time.monotonic() + 60
    while flags[other] != 1:
        if time.monotonic() > deadline:
            return False
    return True`;
      const a = python.createInterpreter({ gil: 'own' });
      const b = python.createInterpreter({ gil: 'own' });
      try {
        a.exec(code);
        b.exec(code);
        assert.deepEqual(await Promise.all([a.callAsync('meet', 0, 1, file), b.callAsync('meet', 1, 0, file)]), [true, true]);
      } finally {
        a.close();
        b.close();
      }
    });
  }

  it('take turns correctly on interpreters that share the GIL', async () => {
    const interps: Interpreter[] = [python.createInterpreter('legacy'), python.createInterpreter('legacy')];
    try {
      for (const i of interps) i.exec('def work(n):\n    return sum(i * i for i in range(n))');
      const results = await Promise.all([...interps, ...interps].map((i, k) => i.callAsync('work', 10000 + k)));
      assert.deepEqual(results, [0, 1, 2, 3].map((k) => python.main.call('sum', python.main.eval(`[i * i for i in range(${10000 + k})]`))));
    } finally {
      for (const i of interps) i.close();
    }
  });
});

describe('closing', () => {
  // Legacy interpreters allocate from the main interpreter's object
  // allocator, so whatever an ended one leaves behind shows up in main's
  // block count. 3.12+ keep part of every ended interpreter themselves.
  it('leaves no Python object behind after static imports in legacy interpreters', { skip: atLeast(3, 12) && 'CPython 3.12+ keeps memory of ended interpreters itself (scripts/stress.mjs measures it)' }, () => {
    const blocks = () => python.main.eval('__import__("sys").getallocatedblocks()') as number;
    const cycle = () => {
      const interp = python.createInterpreter('legacy');
      interp.import('_staticpytest_multiphase');
      interp.import('_staticpytest_basic');
      interp.close();
    };
    for (let i = 0; i < 20; i++) cycle();
    const before = blocks();
    for (let i = 0; i < 200; i++) cycle();
    assert.ok((blocks() - before) / 200 < 1, `${(blocks() - before) / 200} blocks per interpreter`);
  });

  it('makes any later use throw "interpreter N is closed" (async calls reject), and a second close() does nothing', async () => {
    const interp = python.createInterpreter();
    const id = interp.id;
    interp.close();
    assert.equal(interp.closed, true);
    const closed = { message: `static-py: interpreter ${id} is closed` };
    assert.throws(() => interp.eval('1'), closed);
    assert.throws(() => interp.exec('1'), closed);
    assert.throws(() => interp.call('len', []), closed);
    assert.throws(() => interp.import('json'), closed);
    assert.throws(() => interp.importByInitFunc('_staticpytest_multiphase'), closed);
    assert.throws(() => moduleState(interp, 'sys'), closed);
    for (const call of [() => interp.evalAsync('1'), () => interp.execAsync('1'), () => interp.callAsync('len', [])]) {
      const promise = call();
      assert.ok(promise instanceof Promise, 'a Promise, not a throw');
      await assert.rejects(promise, closed);
    }
    assert.equal(interp.close(), undefined);
    assert.equal(interp.closed, true);
    assert.throws(() => python.interpreter(id), { message: `static-py: there is no interpreter ${id} (closed, or never created)` });
  });

  it('closes at the end of a `using` scope, and `await using` first lets every async call made on it settle', async () => {
    let kept: Interpreter;
    {
      using interp = python.createInterpreter();
      kept = interp;
      assert.equal(interp.eval('6 * 7'), 42);
    }
    assert.equal(kept.closed, true);
    const results: unknown[] = [];
    {
      await using interp = python.createInterpreter();
      kept = interp;
      interp.exec('import time');
      // Queued behind each other on its thread; none is rejected by the close.
      for (let i = 0; i < 3; i++) void interp.evalAsync(`time.sleep(0.05) or ${i}`).then((v) => results.push(v));
    }
    assert.equal(kept.closed, true);
    assert.deepEqual(results, [0, 1, 2]);
  });

  it('rejects async calls given bad arguments instead of throwing, with the JS stack of the calling line', async () => {
    const interp = python.createInterpreter();
    try {
      const bad = [
        [() => interp.evalAsync(42 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE', message: 'static-py: expr must be a string, got number 42' }],
        [() => interp.execAsync(null as unknown as string), { code: 'ERR_INVALID_ARG_TYPE', message: 'static-py: code must be a string, got null' }],
        [() => interp.callAsync('', 1), { code: 'ERR_INVALID_ARG_VALUE', message: /^static-py: dottedName is empty/ }],
        [() => interp.callAsync('repr', Symbol('s')), { code: 'ERR_INVALID_ARG_TYPE', message: 'static-py: cannot convert args[0] (a Symbol) to Python' }],
      ] as const;
      for (const [call, expected] of bad) {
        const promise = call();
        assert.ok(promise instanceof Promise);
        await assert.rejects(promise, { name: 'TypeError', ...expected });
      }
      // A PythonError raised on the interpreter's own thread: its stack
      // still leads back to the function that made the call.
      interp.exec('def parse(text):\n    return int(text)');
      const theCallingFunction = () => interp.callAsync('parse', 'not a number');
      const error = await theCallingFunction().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof PythonError);
      assert.match(error.stack!, /^PythonError: ValueError: invalid literal for int\(\) with base 10: 'not a number'\n {4}at theCallingFunction \(/);
      assert.match(error.stack!, /\n\nPython Traceback \(most recent call last\):\n {2}File "<exec>", line 2, in parse\n/);
    } finally {
      interp.close();
    }
  });

  it('refuses to close the main interpreter', () => {
    assert.throws(() => python.main.close(), { message: 'static-py: the main interpreter cannot be closed: it lives as long as the process' });
    assert.equal(python.main.eval('1'), 1);
  });

  it('rejects async calls still queued, and stops the running one with SystemExit instead of blocking the event loop', async () => {
    const interp = python.createInterpreter();
    interp.exec('import threading\nstarted = threading.Event()\ndef spin():\n    started.set()\n    while True: pass');
    // Without the interrupt, close() would wait for ever for this call.
    const running = interp.callAsync('spin');
    const queued = interp.evalAsync('"never runs"');
    running.catch(() => {});
    queued.catch(() => {});
    while (!interp.eval('started.is_set()')) await new Promise((r) => setTimeout(r, 5));
    interp.close();
    await assert.rejects(running, { message: `static-py: interpreter ${interp.id} was closed while this call ran; close() stopped it with SystemExit` });
    await assert.rejects(queued, { message: `static-py: interpreter ${interp.id} was closed before this call ran` });
  });

  it('lets a running call that catches SystemExit finish before the interpreter ends', async () => {
    const interp = python.createInterpreter();
    interp.exec([
      'import threading', 'started = threading.Event()',
      'def stubborn():', '    try:', '        started.set()', '        while True: pass',
      '    except SystemExit:', '        return "cleaned up"',
    ].join('\n'));
    const running = interp.callAsync('stubborn');
    while (!interp.eval('started.is_set()')) await new Promise((r) => setTimeout(r, 5));
    interp.close();
    assert.equal(await running, 'cleaned up');
  });

  it('makes PyObjects of a closed interpreter unusable instead of dangling', () => {
    const interp = python.createInterpreter();
    const obj = interp.eval('object()') as { repr(): string; released: boolean };
    interp.close();
    assert.equal(obj.released, true);
    assert.throws(() => obj.repr(), { message: `static-py: interpreter ${interp.id} is closed` });
  });

  it('refuses to close an interpreter with a daemon thread CPython cannot wait for, and closes once it stops', () => {
    const interp = python.createInterpreter('legacy');
    interp.exec('import threading\nstop = threading.Event()\nt = threading.Thread(target=stop.wait, daemon=True)\nt.start()');
    assert.throws(() => interp.close(), { message: new RegExp(`interpreter ${interp.id} still runs 1 thread\\(s\\) that Py_EndInterpreter cannot wait for`) });
    assert.equal(interp.closed, false);
    interp.exec('stop.set()\nt.join()');
    interp.close();
    assert.equal(interp.closed, true);
  });

  it('waits for non-daemon threads, as Py_EndInterpreter does', () => {
    const interp = python.createInterpreter('legacy');
    python.main.exec('import ctypes\ndone_flag = ctypes.c_int(0)');
    const address = python.main.eval('ctypes.addressof(done_flag)');
    // daemon=False explicitly: on 3.13 a JS thread is a "dummy" thread to
    // Python, and threads it starts are daemons by default.
    interp.exec(`import threading, time, ctypes\ndef work():\n    time.sleep(0.1)\n    ctypes.c_int.from_address(${address}).value = 1\nthreading.Thread(target=work, daemon=False).start()`);
    interp.close();
    assert.equal(python.main.eval('done_flag.value'), 1);
  });
});
