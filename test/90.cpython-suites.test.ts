// CPython's own tests of threads, interpreters and imports, run inside
// static-py (the main interpreter, called from Node's main thread, where
// Python started, with the static finder first on sys.meta_path and the fast
// import path in importlib's _find_and_load, the default) and by the
// same build's own python with -E (static-py's isolated config ignores
// PYTHON* variables too: PYTHONDONTWRITEBYTECODE alone would make python skip
// a hundred import tests that static-py runs), test by test
// (test/fixtures/cpython_suite.py). A test whose outcome differs must be one
// pinned below, with the reason; a pin that no longer differs fails too, so
// the list stays true. A test that differs once is run again, alone, on
// both sides before it counts: some of CPython's thread tests are timing
// sensitive.
//
// They take a minute per build: STATIC_PY_TEST_CPYTHON_SUITES=1 runs them
// (CI does, on the default build and a representative few of the matrix:
// .ci/run).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { build, fixturesDir, pyVersion, tempDir } from './helpers/build.js';
import { runChild } from './helpers/child.js';

type Outcome = [string, string];
type Outcomes = Record<string, Outcome>;

const [, minor] = pyVersion();
const python = build().info.python.executable;
const testPackage = path.join(build().info.python.prefix, 'lib', `python3.${minor}`, 'test');
const modules = ['test.test_threading', minor >= 13 ? 'test.test_interpreters' : 'test.test__xxsubinterpreters', 'test.test_import', 'test.test_importlib'];

const SIGINT = "Node owns SIGINT: static-py leaves it to Node (the isolated config installs no Python signal handlers), so " +
  'signal.getsignal(SIGINT) is None rather than default_int_handler, interrupt_main() does nothing until Python code installs a ' +
  'handler, and these tests cannot put the handler they found back (test/10.runtime.test.ts pins the behaviour)';

/** Tests whose outcome inside static-py differs on purpose: test id suffix -> [outcome in static-py, why]. */
const PINNED: Record<string, [string, string]> = {
  'test_threading.InterruptMainTests.test_interrupt_main_mainthread': ['fail', SIGINT],
  'test_threading.InterruptMainTests.test_interrupt_main_subthread': ['fail', SIGINT],
  'test_threading.InterruptMainTests.test_interrupt_main_noerror': ['error', SIGINT],
  ...(minor >= 10 ? { 'test_threading.InterruptMainTests.test_interrupt_main_with_signal_handler': ['error', SIGINT] as [string, string] } : {}),
};

/** Tests left out on both sides: they hang in CPython's own python of that version, run by unittest. */
const HANG_IN_CPYTHON: Record<number, string[]> = {
  // pyenv's 3.11.7: each waits for ever, in python and inside static-py alike.
  11: ['CreateTests.test_in_thread', 'CreateTests.test_in_threaded_subinterpreter', 'DestroyTests.test_from_other_thread']
    .map((t) => `test.test__xxsubinterpreters.${t}`),
};

const pinned = (id: string) => Object.entries(PINNED).find(([suffix]) => id.endsWith(suffix))?.[1];

async function plain(names: string[], exclude: string[]): Promise<Outcomes> {
  const out = path.join(tempDir('static-py-cpython-suite-'), 'plain.json');
  const code = await new Promise<number | null>((resolve) => {
    spawn(python, ['-E', path.join(fixturesDir, 'cpython_suite.py'), out, JSON.stringify(names), JSON.stringify(exclude)], { stdio: 'ignore' })
      .on('close', resolve);
  });
  assert.ok(fs.existsSync(out), `${python} ran ${names.join(', ')} and wrote nothing (exit ${code})`);
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as { outcomes: Outcomes }).outcomes;
}

/** What importlib's _find_and_load was inside static-py, before and after each run. */
const findAndLoadInside: string[][] = [];

async function inside(names: string[], exclude: string[]): Promise<Outcomes> {
  const out = path.join(tempDir('static-py-cpython-suite-'), 'inside.json');
  const r = await runChild(`
    const { python } = require('static-py');
    python.main.call('sys.path.insert', 0, ${JSON.stringify(fixturesDir)});
    python.main.call('cpython_suite.run', ${JSON.stringify(names)}, ${JSON.stringify(out)}, ${JSON.stringify(exclude)});`,
  { env: { ...process.env, STATIC_PY_BUILD: build().info.tag }, timeoutMs: 900_000 });
  assert.ok(fs.existsSync(out), `static-py ran ${names.join(', ')} and wrote nothing (exit ${r.code ?? r.signal}):\n${r.stderr.slice(-2000)}`);
  const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { outcomes: Outcomes; find_and_load: string[] };
  findAndLoadInside.push(written.find_and_load);
  return written.outcomes;
}

const enabled = Boolean(process.env.STATIC_PY_TEST_CPYTHON_SUITES);
const skip = !enabled ? 'STATIC_PY_TEST_CPYTHON_SUITES=1 runs them (a minute per build; CI does)'
  : !fs.existsSync(path.join(testPackage, 'test_threading.py')) ? `${python} has no test package (${testPackage}); Debian's is libpython3.${minor}-testsuite`
    : false;

describe(`CPython 3.${minor}'s own tests of threads, interpreters and imports, inside static-py and in ${python}`, { skip }, () => {
  const seen: Record<string, { plain: Outcomes; inside: Outcomes; differing: string[] }> = {};

  before(async () => {
    const exclude = HANG_IN_CPYTHON[minor] ?? [];
    for (const module of modules) {
      const [p, i] = await Promise.all([plain([module], exclude), inside([module], exclude)]);
      const differ = (a: Outcomes, b: Outcomes) => [...new Set([...Object.keys(a), ...Object.keys(b)])]
        .filter((id) => (a[id]?.[0] ?? 'missing') !== (b[id]?.[0] ?? 'missing'));
      let differing = differ(p, i).filter((id) => !pinned(id));
      if (differing.length && differing.length < 20) {
        // Once more, alone, on both sides: timing-sensitive tests settle.
        const [p2, i2] = await Promise.all([plain(differing, exclude), inside(differing, exclude)]);
        Object.assign(p, p2);
        Object.assign(i, i2);
        differing = differ(p2, i2);
      }
      seen[module] = { plain: p, inside: i, differing };
    }
  }, { timeout: 1_800_000 });

  it('ran them with static-py\'s fast import path in place, from the first test to the last', () => {
    assert.ok(findAndLoadInside.length >= modules.length);
    for (const [first, last] of findAndLoadInside) {
      assert.match(first!, /^<built-in method _find_and_load of static_py\.FastImport object/);
      assert.equal(last, first);
    }
  });

  for (const module of modules) {
    it(`${module}: every test has the outcome it has in python, but for the pinned differences`, () => {
      const { plain: p, inside: i, differing } = seen[module]!;
      assert.ok(Object.keys(p).length > 50, `python ran only ${Object.keys(p).length} tests of ${module}`);
      const unexplained = differing.map((id) => `${id}: python ${p[id]?.[0] ?? 'missing'}, static-py ${i[id]?.[0] ?? 'missing'}\n  ${i[id]?.[1] ?? ''}`);
      assert.deepEqual(unexplained, []);
      assert.ok(!Object.values(i).some(([outcome]) => outcome === 'hang'), 'no test hangs inside static-py');
    });

    it(`${module}: each pinned difference is still what it says`, () => {
      const { plain: p, inside: i } = seen[module]!;
      for (const [id, [expected]] of Object.entries(i).filter(([id]) => pinned(id)).map(([id]) => [id, pinned(id)!] as const)) {
        assert.equal(i[id]![0], expected, `${id} inside static-py`);
        assert.equal(p[id]![0], 'ok', `${id} in python`);
      }
    });
  }
});
