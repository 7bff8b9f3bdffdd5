// Interpreters static-py did not make see the static table, and the ones it
// did make are CPython's own interpreters, which Python code can list but
// not end or run code in while static-py holds them
// (native/runtime/interpreter_watcher.h, native/interp/subinterpreter.h).
// Every case runs in a child process of its own: Python code here makes and
// ends interpreters of the process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { atLeast } from './helpers/build.js';
import { childJson } from './helpers/child.js';

// In the child's main interpreter: make an interpreter with CPython's own
// module for this version, run `expr` there, end it, and give back repr()
// of the result or "Type: message". The text comes back through a file: no
// object crosses from one interpreter to another.
const PYTHON_MADE = `
import os, sys, tempfile
try:
    import _interpreters as I        # 3.13+
except ImportError:
    import _xxsubinterpreters as I   # 3.8-3.12

def make(kind):
    if hasattr(I, 'new_config'):
        return I.create(I.new_config(kind))
    if sys.version_info >= (3, 12):
        return I.create(isolated=(kind == 'isolated'))
    return I.create()

def in_python_made(expr, kind='legacy'):
    out = tempfile.mktemp()
    interp = make(kind)
    script = ('try:\\n    result = repr(' + expr + ')\\n'
              'except BaseException as e:\\n    result = type(e).__name__ + ": " + str(e)\\n'
              'open(' + repr(out) + ', "w").write(result)\\n')
    try:
        (I.exec if hasattr(I, 'exec') else I.run_string)(interp, script)
    finally:
        I.destroy(interp)
    with open(out) as f:
        text = f.read()
    os.unlink(out)
    return text

def attempt(f):
    try:
        return repr(f())
    except BaseException as e:
        return type(e).__name__ + ': ' + str(e)
`;

const child = <T>(body: string) => childJson<T>(`
  const { python } = require('static-py');
  const py = python.main;
  py.exec(${JSON.stringify(PYTHON_MADE)});
  ${body}`);

const modern = atLeast(3, 12);
const refusal = (name: string) => `ImportError: module ${name} does not support loading in subinterpreters`;

describe('interpreters made by Python code or C see the static table', () => {
  it("one made by CPython's own interpreter module imports a static multi-phase and a single-phase module", async () => {
    const r = await child<string[]>(`
      console.log(JSON.stringify([
        py.call('in_python_made', "__import__('_staticpytest_multiphase').__name__"),
        py.call('in_python_made', "__import__('_staticpytest_basic').__name__"),
        py.call('in_python_made', "__import__('staticpytest_pkg.sub', fromlist=['x']).__name__"),
      ]));`);
    assert.deepEqual(r, ["'_staticpytest_multiphase'", "'_staticpytest_basic'", "'staticpytest_pkg.sub'"]);
  });

  it('an isolated one (3.12+) refuses single-phase modules exactly as an isolated interpreter of static-py\'s does', { skip: !modern && 'isolated interpreters need CPython 3.12+' }, async () => {
    const r = await child<{ python: string[]; ours: string[] }>(`
      const text = (f) => { try { f(); return 'no error'; } catch (e) { return e.pythonType + ': ' + e.pythonMessage; } };
      const isolated = python.createInterpreter('isolated');
      const ours = [text(() => isolated.import('_staticpytest_basic')), String(isolated.import('_staticpytest_multiphase').__name__)];
      isolated.close();
      console.log(JSON.stringify({
        python: [py.call('in_python_made', "__import__('_staticpytest_basic')", 'isolated'),
          py.call('in_python_made', "__import__('_staticpytest_multiphase').__name__", 'isolated')],
        ours,
      }));`);
    assert.deepEqual(r.ours, [refusal('_staticpytest_basic'), '_staticpytest_multiphase']);
    assert.deepEqual(r.python, [refusal('_staticpytest_basic'), "'_staticpytest_multiphase'"]);
  });

  it('one made by C code with Py_NewInterpreter (and Py_NewInterpreterFromConfig, isolated, on 3.12+) imports them too', async () => {
    const r = await child<string[]>(`
      const run = (expr, isolated) => py.call('_staticpytest_embedder.run_in_new_interpreter', expr, { kwargs: { isolated } });
      const out = [run("__import__('_staticpytest_multiphase').__name__", false), run("__import__('_staticpytest_basic').__name__", false)];
      if (${modern}) out.push(run("__import__('_staticpytest_multiphase').__name__", true), run("__import__('_staticpytest_basic').__name__", true));
      console.log(JSON.stringify(out));`);
    assert.deepEqual(r, ["'_staticpytest_multiphase'", "'_staticpytest_basic'",
      ...(modern ? ["'_staticpytest_multiphase'", refusal('_staticpytest_basic')] : [])]);
  });

  it("follows the loader policy there too: with 'isolated', a Python-made legacy interpreter runs an m_size -1 module's init again", async () => {
    const initCounts = (loader: string) => child<string>(`
      python.configure({ loader: '${loader}' });
      py.exec('import _staticpytest_basic');
      console.log(JSON.stringify(py.call('in_python_made', "__import__('_staticpytest_basic').init_count()")));`);
    // cpython: the subinterpreter's copy comes from main's m_copy, init is
    // not called again; isolated: its own copy, made by running init.
    assert.equal(await initCounts('cpython'), '1');
    assert.equal(await initCounts('isolated'), '2');
  });

  it('3.14: an InterpreterPoolExecutor maps a static multi-phase module\'s function over 4 workers', { skip: !atLeast(3, 14) && 'concurrent.futures.InterpreterPoolExecutor is new in 3.14' }, async () => {
    const r = await child<[number, number][]>(`
      py.exec('from concurrent.futures import InterpreterPoolExecutor\\nimport _staticpytest_embedder as E');
      py.exec('with InterpreterPoolExecutor(4) as pool:\\n    results = list(pool.map(E.where, range(8)))');
      console.log(JSON.stringify(py.eval('results')));`);
    assert.deepEqual(r.map(([x]) => x), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(r.every(([, id]) => id !== 0), 'every call ran in a worker interpreter, none in main');
    assert.ok(new Set(r.map(([, id]) => id)).size > 1, 'in more than one worker');
  });

  it('3.14: concurrent.interpreters.create() imports a static multi-phase module and refuses a single-phase one', { skip: !atLeast(3, 14) && 'concurrent.interpreters is new in 3.14' }, async () => {
    const r = await child<string[]>(`
      py.exec('import concurrent.interpreters as CI\\ninterp = CI.create()');
      const out = [
        py.eval("attempt(lambda: interp.exec('import _staticpytest_multiphase'))"),
        py.eval("attempt(lambda: interp.call(__import__('_staticpytest_embedder').where, 1))"),
        py.eval("attempt(lambda: interp.exec('import _staticpytest_basic'))"),
      ];
      py.exec('interp.close()');
      console.log(JSON.stringify(out));`);
    assert.equal(r[0], 'None');
    assert.match(r[1]!, /^\(1, \d+\)$/);
    assert.match(r[2]!, /ExecutionFailed: ImportError: module _staticpytest_basic does not support loading in subinterpreters/);
  });
});

describe("static-py's interpreters, seen from Python", () => {
  it("are listed by CPython's interpreter module with the same id", async () => {
    const r = await child<{ ids: number[]; listed: number[] }>(`
      const a = python.createInterpreter(), b = python.createInterpreter('legacy');
      const listed = py.eval('[int(x[0]) if isinstance(x, tuple) else int(x) for x in I.list_all()]');
      console.log(JSON.stringify({ ids: [a.id, b.id], listed }));
      a.close(); b.close();`);
    assert.deepEqual(r.listed.filter((id) => r.ids.includes(id)).sort(), [...r.ids].sort());
    assert.ok(r.listed.includes(0));
  });

  // CPython's own messages, by version (subinterpreter.h says why).
  const running = atLeast(3, 13) ? 'InterpreterError' : 'RuntimeError';
  const refusals = modern
    ? { destroy: `${running}: interpreter running`, run: `${running}: interpreter already running` }
    : { destroy: 'RuntimeError: interpreter has more than one thread', run: 'RuntimeError: interpreter has more than one thread' };

  for (const preset of modern ? ['isolated', 'legacy'] as const : ['legacy'] as const) {
    it(`cannot be ended or run from Python while static-py holds them (${preset}): CPython refuses, and the interpreter goes on working`, async () => {
      const r = await child<Record<string, unknown>>(`
        const sub = python.createInterpreter('${preset}');
        sub.exec('x = 1');
        const runner = py.eval("'exec' if hasattr(I, 'exec') else 'run_string'");
        const out = {
          destroy: py.eval('attempt(lambda: I.destroy(' + sub.id + '))'),
          run: py.eval('attempt(lambda: I.' + runner + '(' + sub.id + ', "x = 2"))'),
          x: sub.eval('x'),
        };
        sub.close();
        out.closed = sub.closed;
        console.log(JSON.stringify(out));`);
      assert.deepEqual(r, { ...refusals, x: 1, closed: true });
    });
  }

  it("3.13+: one with its own GIL never writes the reference count of main's m_copy while it imports from it", {
    skip: !atLeast(3, 13) && 'static-py serves m_copy itself from 3.13 only (cpython_extension_cache.h)',
  }, async () => {
    // Its own GIL, but main's allocator and single-phase modules allowed
    // (CPython accepts that config). STATIC_PY_INJECT_FAULT=pause:m_copy
    // holds its import for 500 ms just before the copy is read; main reads
    // the copy's reference count 200 ms into that pause. Main reaches the
    // copy, a dict only the def holds, through gc: it refers to init_count.
    const r = await childJson<{ before: number; during: number; after: number; imported: string }>(`
      const { python } = require('static-py');
      const py = python.main;
      py.exec(${JSON.stringify(PYTHON_MADE)});
      py.exec(\`
import gc, threading, time
import _staticpytest_basic as mod
copy = [d for d in gc.get_referrers(mod.init_count) if type(d) is dict and d is not mod.__dict__][0]
config = I.new_config('isolated')
config.check_multi_interp_extensions = False
config.use_main_obmalloc = True
own = I.create(config)
before = sys.getrefcount(copy)
result = {}
def import_there():
    result['imported'] = attempt(lambda: I.exec(own, 'import _staticpytest_basic'))
worker = threading.Thread(target=import_there)
worker.start()
time.sleep(0.2)
during = sys.getrefcount(copy)
worker.join()
I.destroy(own)
after = sys.getrefcount(copy)\`);
      console.log(JSON.stringify({ before: py.eval('before'), during: py.eval('during'), after: py.eval('after'), imported: py.eval("result['imported']") }));`,
    { env: { ...process.env, STATIC_PY_INJECT_FAULT: 'pause:m_copy' } });
    assert.deepEqual(r, { before: r.before, during: r.before, after: r.before, imported: 'None' });
  });

  it('3.14: concurrent.interpreters lists them and refuses to close or run them, as interpreters it did not make', { skip: !atLeast(3, 14) && 'concurrent.interpreters is new in 3.14' }, async () => {
    const r = await child<Record<string, unknown>>(`
      const sub = python.createInterpreter();
      py.exec('import concurrent.interpreters as CI');
      const them = 'CI.Interpreter(' + sub.id + ')';
      const out = {
        id: sub.id,
        listed: py.eval('[i.id for i in CI.list_all()]').includes(sub.id),
        whence: py.eval(them + '.whence'),
        close: py.eval('attempt(lambda: ' + them + '.close())'),
        exec: py.eval('attempt(lambda: ' + them + '.exec("x = 1"))'),
      };
      sub.close();
      console.log(JSON.stringify(out));`);
    assert.deepEqual(r, {
      id: r.id, listed: true, whence: 'C-API',
      close: `InterpreterError: cannot destroy unrecognized interpreter ${r.id}`,
      exec: `InterpreterError: cannot exec code for unrecognized interpreter ${r.id}`,
    });
  });
});
