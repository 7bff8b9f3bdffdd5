// The bad-input catalogue: every way the public API can be misused that we
// know of, one case each. A case names the exact error class and a message
// that says what was wrong; after each, the process and the interpreter
// still work and sys.modules is what it was (nothing half-imported).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

import { type Interpreter, PyObject, python, PythonError } from '../dist/index.js';
import { moduleState } from '../dist/lab/index.js';
import { atLeast, root } from './helpers/build.js';
import { runChild } from './helpers/child.js';

type ErrorClass = typeof Error | typeof TypeError | typeof RangeError | typeof PythonError;

interface Case {
  name: string;
  run: () => unknown;
  error: ErrorClass;
  message: RegExp;
  /** For a PythonError: its pythonType. */
  pythonType?: string;
  /** For an argument error: its Node-style code. */
  code?: string;
}

const py = python.main;
const modules = () => py.eval('sorted(__import__("sys").modules)') as string[];
const closedInterpreter = (): Interpreter => {
  const i = python.createInterpreter();
  i.close();
  return i;
};
let deep: unknown[] = [];
for (let i = 0; i < 600; i++) deep = [deep];
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

const cases: Case[] = [
  // Module names.
  { name: 'an empty module name', run: () => py.import(''), error: TypeError, message: /name is empty; a module name looks like 'pkg\.module'/ },
  { name: 'a module name with a NUL', run: () => py.import('os\0path'), error: TypeError, message: /name contains a NUL character/ },
  { name: 'a module name with a leading dot', run: () => py.import('.os'), error: TypeError, message: /name starts or ends with a dot/ },
  { name: 'a module name with a trailing dot', run: () => py.import('os.'), error: TypeError, message: /name starts or ends with a dot/ },
  { name: 'a module name with two dots in a row', run: () => py.import('os..path'), error: TypeError, message: /name has an empty component \(two dots in a row\)/ },
  { name: 'a module name that is not a string', run: () => py.import(42 as unknown as string), error: TypeError, message: /name must be a string, got number 42/ },
  { name: 'a very long module name', run: () => py.import('x'.repeat(100_000)), error: PythonError, pythonType: 'ModuleNotFoundError', message: /^No module named 'x{100000}'$/ },
  { name: 'an empty dotted name to call', run: () => py.call(''), error: TypeError, message: /dottedName is empty/ },
  { name: 'a call into a module that does not exist', run: () => py.call('no_such_module_xyz.f'), error: PythonError, pythonType: 'ModuleNotFoundError', message: /^No module named 'no_such_module_xyz'$/ },
  { name: 'a call of an attribute that does not exist', run: () => py.call('sys.nope'), error: PythonError, pythonType: 'AttributeError', message: /module 'sys' has no attribute 'nope'/ },
  { name: 'a call of something not callable', run: () => py.call('sys.maxsize'), error: PythonError, pythonType: 'TypeError', message: /'int' object is not callable/ },
  // Every broken test extension (test/fixtures/ext/broken.c, multiphase.c).
  { name: 'an init function that returns NULL without an exception', run: () => py.import('_staticpytest_init_null'), error: PythonError, pythonType: 'SystemError', message: /initialization of _staticpytest_init_null failed without raising an exception/ },
  { name: 'an init function that raises', run: () => py.import('_staticpytest_init_raises'), error: PythonError, pythonType: 'ValueError', message: /init failed on purpose/ },
  { name: 'an init function that returns a module with an exception set', run: () => py.import('_staticpytest_init_unreported'), error: PythonError, pythonType: 'SystemError', message: /initialization of _staticpytest_init_unreported raised unreported exception/ },
  { name: 'an init function that returns something else than a module', run: () => py.import('_staticpytest_init_not_module'), error: PythonError, pythonType: 'SystemError', message: /initialization of _staticpytest_init_not_module did not return an extension module/ },
  { name: 'an init function that returns an uninitialized def', run: () => py.import('_staticpytest_init_uninitialized'), error: PythonError, pythonType: 'SystemError', message: /init function of _staticpytest_init_uninitialized returned uninitialized object/ },
  { name: 'an exec slot that raises', run: () => py.import('_staticpytest_exec_raises'), error: PythonError, pythonType: 'RuntimeError', message: /exec slot failed on purpose/ },
  { name: 'an exec slot that fails without an exception', run: () => py.import('_staticpytest_exec_fails_silently'), error: PythonError, pythonType: 'SystemError', message: /execution of module _staticpytest_exec_fails_silently failed without setting an exception/ },
  { name: 'a def with an unknown slot', run: () => py.import('_staticpytest_bad_slot'), error: PythonError, pythonType: 'SystemError', message: /module _staticpytest_bad_slot uses unknown slot ID 32767/ },
  // importByInitFunc and the lab's moduleState.
  { name: 'an init symbol that does not exist', run: () => py.importByInitFunc('zz_mod', { symbol: 'no_such_symbol_xyz' }), error: Error, message: /importByInitFunc\('zz_mod'\): no symbol no_such_symbol_xyz in the global scope or in this addon/ },
  { name: 'a library that does not exist', run: () => py.importByInitFunc('zz_mod', { symbol: 'PyInit_zz', library: '/nowhere/lib.so' }), error: Error, message: /importByInitFunc\('zz_mod'\): cannot open \/nowhere\/lib\.so/ },
  { name: 'importByInitFunc of a name the table does not have', run: () => py.importByInitFunc('sys'), error: Error, message: /importByInitFunc\('sys'\): this build has no static extension of that name/ },
  { name: 'moduleState of a module never imported', run: () => moduleState(py, 'never_imported_xyz'), error: PythonError, pythonType: 'LookupError', message: /module 'never_imported_xyz' is not imported in interpreter 0/ },
  // Closed interpreters.
  { name: 'eval on a closed interpreter', run: () => closedInterpreter().eval('1'), error: Error, message: /interpreter \d+ is closed/ },
  { name: 'import on a closed interpreter', run: () => closedInterpreter().import('json'), error: Error, message: /interpreter \d+ is closed/ },
  { name: 'callAsync on a closed interpreter', run: () => closedInterpreter().callAsync('len', 'abc'), error: Error, message: /interpreter \d+ is closed/ },
  { name: 'evalAsync on a closed interpreter', run: () => closedInterpreter().evalAsync('1'), error: Error, message: /interpreter \d+ is closed/ },
  { name: 'evalAsync of code that is not a string', run: () => py.evalAsync(7 as unknown as string), error: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /^static-py: expr must be a string, got number 7$/ },
  { name: 'callAsync with an argument Python cannot take', run: () => py.callAsync('repr', Symbol('s')), error: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /^static-py: cannot convert args\[0\] \(a Symbol\) to Python$/ },
  { name: 'looking up a closed interpreter by id', run: () => python.interpreter(closedInterpreter().id), error: Error, message: /there is no interpreter \d+ \(closed, or never created\)/ },
  { name: 'closing the main interpreter', run: () => py.close(), error: Error, message: /the main interpreter cannot be closed: it lives as long as the process/ },
  { name: 'an interpreter id that is not a number', run: () => python.interpreter('a' as unknown as number), error: TypeError, message: /id must be an interpreter id \(a non-negative integer\), got the string "a"/ },
  // Bad interpreter configs and configure() calls.
  { name: 'an unknown interpreter option', run: () => python.createInterpreter({ bogus: 1 } as object), error: TypeError, message: /options has an unknown option 'bogus'; known options are preset, gil,/ },
  { name: 'an unknown preset', run: () => python.createInterpreter('weird' as 'isolated'), error: TypeError, message: /options\.preset must be 'isolated' or 'legacy', got the string "weird"/ },
  {
    name: 'an own GIL sharing the main allocator (before 3.12: any own-GIL option)',
    run: () => python.createInterpreter({ gil: 'own', useMainObmalloc: true }),
    error: Error,
    message: atLeast(3, 12)
      ? /gil: 'own' cannot be combined with useMainObmalloc: true: two GILs would share one object allocator/
      : /the interpreter option 'gil' needs CPython 3\.12 or newer/,
  },
  { name: 'configure() after Python started', run: () => python.configure({ python: '/usr/bin/python3' }), error: Error, message: /python\.configure\(\) must come before first use; build \S+ is already loaded/ },
  { name: 'an unknown loader', run: () => python.configure({ loader: 'x' as 'cpython' }), error: TypeError, message: /options\.loader must be 'cpython' or 'isolated', got the string "x"/ },
  { name: 'an unknown register mode', run: () => python.configure({ register: 'x' as 'finder' }), error: TypeError, message: /options\.register must be 'fast', 'finder' or 'inittab', got the string "x"/ },
  { name: 'a Python that is a number', run: () => python.configure({ python: 5 as unknown as string }), error: TypeError, message: /options\.python must be a path or command naming a Python, got number 5/ },
  // JS values Python cannot take.
  { name: 'a symbol', run: () => py.call('repr', Symbol('s')), error: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /^static-py: cannot convert args\[0\] \(a Symbol\) to Python$/ },
  { name: 'a WeakMap', run: () => py.call('repr', new WeakMap()), error: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /^static-py: cannot convert args\[0\] \(a WeakMap object\) to Python/ },
  { name: 'a cyclic object', run: () => py.call('repr', cyclic), error: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /^static-py: cannot convert args\[0\]\.self to Python: it contains itself \(a cyclic structure\)$/ },
  { name: 'a class instance', run: () => py.call('repr', new Date()), error: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /^static-py: cannot convert args\[0\] \(a Date object\) to Python/ },
  { name: 'nesting deeper than 512', run: () => py.call('repr', deep), error: RangeError, code: 'ERR_OUT_OF_RANGE', message: /^static-py: cannot convert args\[0\](\[0\]){500,} to Python: nested deeper than 512 levels$/ },
  { name: 'a BigInt too large for the C size it goes to', run: () => py.call('bytes', 2n ** 70n), error: PythonError, pythonType: 'OverflowError', message: /cannot fit 'int' into an index-sized integer/ },
  { name: 'code that is not a string', run: () => py.exec(42 as unknown as string), error: TypeError, message: /code must be a string, got number 42/ },
  { name: 'a syntax error', run: () => py.eval('1 +'), error: PythonError, pythonType: 'SyntaxError', message: /invalid syntax|unexpected EOF while parsing/ },
  // Python exceptions that must stay exceptions.
  { name: 'a generator that raises halfway, in a Python list()', run: () => py.eval('list(__import__("itertools").chain((1, 2), (1 // 0 for _ in (1,))))'), error: PythonError, pythonType: 'ZeroDivisionError', message: /division (or modulo )?by zero/ },
  {
    name: 'a generator that raises halfway, iterated from JS',
    run: () => {
      const got: unknown[] = [];
      const gen = py.eval('(10 // (2 - i) for i in range(5))') as PyObject;
      try {
        for (const x of gen) got.push(x);
      } finally {
        gen.release();
        assert.deepEqual(got, [5, 10], 'the items before the exception arrived');
      }
    },
    error: PythonError, pythonType: 'ZeroDivisionError', message: /division (or modulo )?by zero/,
  },
  { name: 'KeyboardInterrupt raised in Python', run: () => py.exec('raise KeyboardInterrupt("from Python")'), error: PythonError, pythonType: 'KeyboardInterrupt', message: /^from Python$/ },
  { name: 'SystemExit raised in Python', run: () => py.exec('import sys; sys.exit(3)'), error: PythonError, pythonType: 'SystemExit', message: /^3$/ },
  // Handles.
  { name: 'a released handle', run: () => { const h = py.call('object') as PyObject; h.release(); return h.repr(); }, error: Error, message: /this PyObject was released and can no longer be used/ },
  {
    name: 'JSON.stringify of a result holding a handle',
    run: () => {
      const counter = py.call('collections.Counter', 'abca') as PyObject;
      try {
        return JSON.stringify({ counter });
      } finally {
        counter.release();
      }
    },
    error: TypeError, code: 'ERR_INVALID_ARG_TYPE',
    message: /^static-py: a PyObject \(collections\.Counter\) has no JSON form; convert it in Python first \(for example py\.call\('list', handle\), py\.call\('dict', handle\), or json\.dumps there\), or use handle\.repr\(\)$/,
  },
  {
    name: 'a handle from another interpreter',
    run: () => {
      const other = python.createInterpreter();
      try {
        return py.call('repr', other.eval('object()'));
      } finally {
        other.close();
      }
    },
    error: PythonError, pythonType: 'TypeError', message: /args\[0\] is a PyObject of interpreter \d+ and cannot be passed to interpreter 0/,
  },
];

async function expectFailure(c: Case): Promise<void> {
  await assert.rejects(async () => c.run(), (e: Error) => {
    assert.equal(e.constructor, c.error, `${c.name}: ${e.constructor.name}: ${e.message}`);
    const text = e instanceof PythonError ? e.pythonMessage : e.message;
    assert.match(text, c.message);
    if (c.pythonType) assert.equal((e as PythonError).pythonType, c.pythonType);
    if (c.code) assert.equal((e as Error & { code?: string }).code, c.code);
    return true;
  });
}

// CPython's refleak hunt (regrtest -R), per case, on a Py_DEBUG build (CI's
// python3.11-dbg leg): after warm-up runs, a case leaks when every one of the
// measured runs leaves more references than it found, counted after a
// collection (an exception's traceback is a cycle). Release builds keep no
// reference total, and their allocated-block count moves with CPython's
// caches as they warm up; there LeakSanitizer looks (npm run test:asan).
const REFERENCE_TOTAL = py.eval('hasattr(__import__("sys"), "gettotalrefcount")') as boolean;
const references = (): number => py.eval('(__import__("gc").collect(), __import__("sys").gettotalrefcount())[1]') as number;

async function leakedReferences(c: Case): Promise<string | null> {
  for (let i = 0; i < 3; i++) await expectFailure(c);
  const deltas: number[] = [];
  for (let i = 0; i < 6; i++) {
    const before = references();
    await expectFailure(c);
    deltas.push(references() - before);
  }
  return deltas.every((d) => d > 0) ? `each run leaves references behind: ${deltas.join(', ')}` : null;
}

describe('the bad-input catalogue', () => {
  // The first exceptions of each kind import what formatting their
  // tracebacks needs (3.13 suggests names for AttributeError and NameError,
  // and tokenizes source lines of frames in .py files).
  for (const code of ['1 // 0', 'sys.nope', 'no_such_name', '__import__("no_such_module")', '1 +', '__import__("json").loads("{")']) {
    assert.throws(() => py.eval(code), PythonError);
  }
  if (REFERENCE_TOTAL) references();  // imports gc
  const before = modules();

  it(`has at least 40 distinct cases (${cases.length})`, () => {
    assert.ok(cases.length >= 40);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.error.name}, and Python still works${REFERENCE_TOTAL ? ', and repeating it leaks no reference' : ''}`, async () => {
      await expectFailure(c);
      assert.equal(py.eval('6 * 7'), 42);
      assert.deepEqual(modules(), before, 'sys.modules is unchanged');
      if (REFERENCE_TOTAL) assert.equal(await leakedReferences(c), null);
    });
  }

  it('a str too long for a JS string comes back as a handle, not a crash', () => {
    const huge = py.eval("'x' * (2**29)") as PyObject;
    assert.ok(huge instanceof PyObject);
    assert.equal(huge.typeName, 'str');
    assert.equal(py.call('len', huge), 2 ** 29);
    huge.release();
    assert.equal(py.eval('6 * 7'), 42);
  });

  it('an interpreter of another thread: Error naming the thread rule, and the worker goes on', async () => {
    const mine = python.createInterpreter();
    try {
      const out = await new Promise<string[]>((resolve, reject) => {
        const w = new Worker(`
          const { workerData, parentPort } = require('worker_threads');
          const { python } = require(workerData.index);
          const out = [];
          try { python.interpreter(workerData.id); } catch (e) { out.push(e.constructor.name + ': ' + e.message); }
          out.push(String(python.main.eval('6 * 7')));
          parentPort.postMessage(out);`, { eval: true, workerData: { id: mine.id, index: `${root}/dist/index.js` } });
        w.once('message', (m: string[]) => void w.terminate().then(() => resolve(m)));
        w.once('error', reject);
      });
      assert.match(out[0]!, /^Error: static-py: interpreter \d+ belongs to another thread \(the worker or main thread that created it\)/);
      assert.equal(out[1], '42');
    } finally {
      mine.close();
    }
  });

  it('an unknown STATIC_PY_PYTHONMALLOC: Error listing the allocators, in a process of its own', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      try { python.main; } catch (e) { console.log(e.constructor.name + ': ' + e.message); }`,
    { env: { ...process.env, STATIC_PY_PYTHONMALLOC: 'jemalloc' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Error: static-py: STATIC_PY_PYTHONMALLOC is "jemalloc"; use one of default, debug, malloc, malloc_debug, pymalloc, pymalloc_debug/);
  });

  it('a handle or an Interpreter sent to a worker: DataCloneError saying it stays in its thread', async () => {
    const h = py.call('object') as PyObject;
    const w = new Worker('require("worker_threads").parentPort.on("message", () => {})', { eval: true });
    try {
      assert.throws(() => w.postMessage(h), { name: 'DataCloneError', message: /^Symbol\(static-py: a PyObject belongs to the thread that created it and cannot be sent to another worker; create what you need in that worker/ });
      assert.throws(() => w.postMessage(py), { name: 'DataCloneError', message: /^Symbol\(static-py: an Interpreter belongs to the thread that created it and cannot be sent to another worker/ });
      // Nothing a program commonly does with a value throws: spreading it, or JSON of an Interpreter.
      assert.deepEqual(Object.keys({ ...h }), ['notTransferable']);
      assert.equal(JSON.stringify(py), '{"id":0,"isMain":true,"closed":false}');
      assert.equal(py.eval('6 * 7'), 42);
    } finally {
      await w.terminate();
      h.release();
    }
  });
});
