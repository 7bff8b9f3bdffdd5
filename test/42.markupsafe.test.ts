// The README's example for "Checking your own extension": MarkupSafe
// 2.1.2's markupsafe._speedups (single-phase C, from Debian's source
// package, which keeps markupsafe.Markup in a C static), linked into
// static-py for Debian's python3.11. Its own tests pass in the main
// interpreter and one fails in a legacy subinterpreter; the lab and a
// reproducer show why, with each loader. It runs once, in npm test's own
// leg (it targets Debian's python3.11 whatever the build under test).
// .ci/run fetches the source (apt-get source markupsafe) into
// builds/sources/markupsafe; STATIC_PY_MARKUPSAFE_SRC names another copy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { lab, repro } from '../dist/lab/index.js';
import type { LabReport } from '../dist/lab/report.js';
import { root } from './helpers/build.js';

const DEBIAN_PYTHON = '/usr/bin/python3.11';
const PYTEST_HOME = '/usr/lib/python3/dist-packages';
const sources = path.join(root, 'builds', 'sources', 'markupsafe');
const tree = process.env.STATIC_PY_MARKUPSAFE_SRC || path.join(sources, 'MarkupSafe-2.1.2');
const speedups = path.join(tree, 'src', 'markupsafe', '_speedups.c');
const fixtures = path.join(root, 'test', 'fixtures', 'markupsafe');

function whySkip(): string | false {
  if (process.env.STATIC_PY_PYTHON || process.env.STATIC_PY_BUILD) {
    return "runs once, in npm test's own leg: it targets Debian's python3.11 whatever the build under test";
  }
  const missing = !fs.existsSync(speedups) ? `MarkupSafe 2.1.2's source (${speedups}; .ci/run fetches it: apt-get source markupsafe)`
    : !fs.existsSync(DEBIAN_PYTHON) ? `Debian's python3.11 (apt-get install python3.11-dev)`
      : !fs.existsSync(path.join(PYTEST_HOME, 'pytest')) ? 'pytest (apt-get install python3-pytest)' : null;
  if (!missing) return false;
  if (process.env.STATIC_PY_TEST_MARKUPSAFE === 'required') throw new Error(`STATIC_PY_TEST_MARKUPSAFE=required, but this machine lacks ${missing}`);
  return `needs ${missing}`;
}
const skip = whySkip();

// Next to the source, at a fixed path: every run asks for the same lab build.
const manifest = path.join(sources, 'manifest.json');
const pythonPath = [path.join(tree, 'src')];

describe("MarkupSafe 2.1.2's _speedups, statically linked for Debian's python3.11", { skip }, () => {
  before(() => {
    fs.mkdirSync(sources, { recursive: true });
    fs.writeFileSync(manifest, JSON.stringify({ modules: [{ name: 'markupsafe._speedups', sources: [speedups] }] }, null, 2));
  });

  it('passes its own 52 tests in the main interpreter, and fails the one on escape\'s return type in a legacy subinterpreter', async () => {
    const { results: [r] } = await repro({
      script: path.join(fixtures, 'pytest_in_interpreters.js'), extensions: manifest, python: [DEBIAN_PYTHON],
      pythonPath: [...pythonPath, PYTEST_HOME], timeoutMs: 300_000, env: { MARKUPSAFE_TESTS: path.join(tree, 'tests') },
    });
    assert.equal(r!.status, 'ok', r!.stderr);
    const { main, legacy } = JSON.parse(r!.stdout) as Record<string, { code: number; summary: string; failed: string[] }>;
    assert.equal(main!.code, 0);
    assert.match(main!.summary, /^52 passed in /);
    assert.match(legacy!.summary, /^1 failed, 51 passed in /);
    assert.equal(legacy!.failed.length, 1);
    assert.match(legacy!.failed[0]!, /tests\/test_markupsafe\.py::test_escape_return_type\[markupsafe\._speedups\]$/);
  });

  it("the lab's verdict: a legacy interpreter gets main's Markup; with the isolated loader main breaks once that interpreter ends", async () => {
    const report: LabReport = await lab({ extensions: manifest, python: [DEBIAN_PYTHON], pythonPath, exercise: ["m.escape('<')"], jobs: 2 });
    assert.deepEqual(report.builds.filter((b) => b.error), []);
    const sentences = report.verdicts![0]!.sentences.map((s) => s.text);
    assert.deepEqual(sentences, [
      'no isolated interpreters before 3.12',
      "in legacy interpreters it hands out main's objects (m_copy)",
      "what it returns in a legacy interpreter is made of main's classes",
      'a re-import loses attributes added after import',
      "survives a subinterpreter's end",
      "static-py's isolated loader gives each legacy interpreter objects of its own",
      "with static-py's isolated loader, after a subinterpreter's end, in main: m.escape('<') fails (NameError: name 'hasattr' is not defined)",
    ]);
  });

  it('the reproducer shows the same with each loader', async () => {
    const run = (loader: 'cpython' | 'isolated') =>
      repro({ script: path.join(fixtures, 'repro.py'), extensions: manifest, python: [DEBIAN_PYTHON], pythonPath, loader });
    const { results: [cpython] } = await run('cpython');
    assert.equal(cpython!.status, 'ok', cpython!.stderr);
    assert.equal(cpython!.stdout, [
      "main: escape gives main's Markup: True",
      'legacy subinterpreter: escape gives its own Markup: False',
      'main, after the subinterpreter ended: &lt;',
    ].join('\n'));
    const { results: [isolated] } = await run('isolated');
    assert.equal(isolated!.status, 'failed');
    assert.equal(isolated!.stdout, "main: escape gives main's Markup: True\nlegacy subinterpreter: escape gives its own Markup: True");
    assert.match(isolated!.stderr, /NameError: name 'hasattr' is not defined$/);
  });
});
