// The fast import path (native/loader/fast_import.h): static names imported
// without importlib's Python-level machinery, and nothing an importer can
// observe changed. Each probe of test/fixtures/fast_import.py runs in a fresh
// process with register 'fast' (the default) and with register 'finder'
// (importlib's own _find_and_load), in the main interpreter and in a
// subinterpreter; the two must see the same, and what they see is checked.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { atLeast, fixturesDir } from './helpers/build.js';
import { childJson } from './helpers/child.js';

type Register = 'fast' | 'finder';
type Where = 'main' | 'legacy';
type Seen = Record<string, unknown>;

const PROBES = ['importlib_frames', 'ways', 'threads', 'waits_for_initializing', 'deadlock', 'hooks', 'errors', 'audit_and_reload',
  'circular', 'replaces_itself', 'order', 'find_and_load'] as const;
type Probe = (typeof PROBES)[number];

function probe(name: Probe, register: Register, where: Where): Promise<Seen> {
  return childJson<Seen>(`
    const { python } = require('static-py');
    python.configure({ register: ${JSON.stringify(register)} });
    const interp = ${JSON.stringify(where)} === 'main' ? python.main : python.createInterpreter('legacy');
    interp.call('sys.path.insert', 0, ${JSON.stringify(fixturesDir)});
    interp.exec('import fast_import');
    console.log(JSON.stringify(interp.call('fast_import.run', ${JSON.stringify(name)})));
    if (!interp.isMain) interp.close();`);
}

describe('the fast import path', () => {
  const seen = {} as Record<Where, Record<Register, Record<Probe, Seen>>>;
  before(async () => {
    for (const where of ['main', 'legacy'] as const) {
      seen[where] = { fast: {}, finder: {} } as Record<Register, Record<Probe, Seen>>;
      for (const name of PROBES) {
        const [fast, finder] = await Promise.all([probe(name, 'fast', where), probe(name, 'finder', where)]);
        seen[where].fast[name] = fast;
        seen[where].finder[name] = finder;
      }
    }
  }, { timeout: 120_000 });

  for (const where of ['main', 'legacy'] as const) {
    const label = where === 'main' ? 'the main interpreter' : 'a legacy subinterpreter';
    for (const name of PROBES.filter((p) => p !== 'importlib_frames' && p !== 'find_and_load')) {
      it(`observes the same as importlib's own path in ${label}: ${name.replace(/_/g, ' ')}`, () => {
        assert.deepEqual(seen[where].fast[name], seen[where].finder[name]);
      });
    }

    it(`runs no importlib function for a static module, where importlib's path runs several, in ${label}`, () => {
      assert.deepEqual(seen[where].fast.importlib_frames, { calls: [], module: 'deep.a.b.c' });
      const calls = seen[where].finder.importlib_frames!.calls as string[];
      for (const f of ['_find_and_load', '_find_spec', '_load_unlocked']) assert.ok(calls.includes(f), `${f} in ${calls}`);
    });

    it(`replaces importlib's _find_and_load only with register 'fast', in ${label}`, () => {
      assert.match(String(seen[where].fast.find_and_load!.repr), /^<built-in method _find_and_load of static_py\.FastImport object/);
      assert.match(String(seen[where].finder.find_and_load!.repr), /^<function _find_and_load at /);
    });
  }

  // What the comparisons above compared: each behaviour, as CPython has it.
  it('lets one thread run an init function or exec slot while the other waits, and gives both the finished module', () => {
    assert.deepEqual(seen.main.fast.threads, {
      _staticpytest_slow_init: { 'same module': true, init_count: 1, exec_count: 0, DONE: [null, null] },
      _staticpytest_slow_exec: { 'same module': true, init_count: 1, exec_count: 1, DONE: [true, true] },
    });
    assert.deepEqual(seen.main.fast.waits_for_initializing, { initializing: true, DONE: true, exec_count: 1 });
  });

  it('lets importlib detect two threads waiting for each other across a static and a Python module, and both finish', () => {
    assert.deepEqual(seen.main.fast.deadlock,
      { 'B imports P': 'imported', 'A imports S': 'imported', 'S exec_count': 1, 'P got S partially initialised': true });
  });

  it('leaves static names to a sys.meta_path hook put before static-py\'s finder, for as long as it is there', () => {
    assert.deepEqual(seen.main.fast.hooks, { asked: ['_staticpytest_multiphase'], claimed: true });
  });

  it('raises what importlib raises for bad input, and leaves sys.modules as importlib leaves it', () => {
    const errors = seen.main.fast.errors as Record<string, unknown>;
    assert.deepEqual(errors['init raises'], ['ValueError', 'init failed on purpose', null, false, null]);
    assert.deepEqual(errors['exec raises'], ['RuntimeError', 'exec slot failed on purpose', null, false, null]);
    assert.deepEqual(errors['exec imports a missing name'],
      ['ModuleNotFoundError', "No module named '_staticpytest_nowhere'", null, false, '_staticpytest_nowhere']);
    assert.deepEqual(errors['parent is not a package'],
      ['ModuleNotFoundError', "No module named 'deep.a.b.c'; 'deep.a.b' is not a package", 'AttributeError', true, 'deep.a.b.c']);
    assert.deepEqual(errors['None in sys.modules'],
      ['ModuleNotFoundError', 'import of _staticpytest_multiphase halted; None in sys.modules', null, false, '_staticpytest_multiphase']);
    for (const label of ['init raises', 'exec raises', 'exec imports a missing name']) {
      assert.deepEqual(errors[`${label}: left in sys.modules`], [], label);
    }
  });

  it('raises the import audit event, and importlib.reload works on a static module', () => {
    const r = seen.main.fast.audit_and_reload as Record<string, unknown>;
    // The import statement: CPython's C side (no origin), then the module's
    // creation (its origin); importlib.import_module: the creation only.
    assert.deepEqual(r.events, [['_staticpytest_multiphase_no_state', false], ['_staticpytest_multiphase_no_state', true],
      ['_staticpytest_multiphase', true]]);
    assert.equal(r['reload is same'], true);
    assert.equal(r['spec._initializing'], null, 'reload gives the module a new spec');
  });

  it('hands a circular import the partially initialised module, and a module that replaced itself its replacement', () => {
    assert.deepEqual(seen.main.fast.circular, {
      'a.STAGE': 'done', 'b.SAW': 'exec', 'b.__spec__._initializing': false, 'uninitialized submodules': atLeast(3, 11) ? [] : null,
    });
    assert.deepEqual(seen.main.fast.replaces_itself, { type: 'SimpleNamespace', replaced: true, 'in sys.modules': true });
    assert.deepEqual(seen.main.fast.order, { 'last two': ['_staticpytest_basic', '_staticpytest_imports_other'], OTHER: '_staticpytest_basic' });
  });
});
