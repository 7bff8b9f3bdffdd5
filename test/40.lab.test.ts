// The m_copy lab on the build under test. Every scenario runs for every init
// variant with three loaders, each in its own child process:
//   cpython   static-py reproducing this build's own caching, bugs included;
//   dynamic   the same extension as a shared library, loaded by CPython;
//   isolated  m_copy kept per interpreter (gh-101758, approach 2).
// The cpython cells are pinned per CPython version below, and must equal
// the dynamic ones cell for cell: CPython itself keeps the pins honest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { buildsFor, listBuilds } from '../dist/binding.js';
import { RESULT_PREFIX } from '../dist/lab/child.js';
import { LOADERS } from '../dist/lab/context.js';
import { hasLabModules } from '../dist/lab/fixtures.js';
import { type LabReport, terminalTable, writeReport } from '../dist/lab/report.js';
import { type LabResult, runLab, superviseChild } from '../dist/lab/runner.js';
import { scenariosFor } from '../dist/lab/api.js';
import { SCENARIOS as EVERY_SCENARIO } from '../dist/lab/scenarios.js';
import { VARIANTS } from '../dist/lab/variants.js';
import { build, pyenvRoot, pyVersion, root, tempDir, toolchainSkip } from './helpers/build.js';
import { childScript } from './helpers/child.js';
import { pinned, pinnedIsolated } from './helpers/lab-expected.js';

const [, minor] = pyVersion();
// The catalogue without the exercise scenarios, which need a user's expressions (test/41).
const SCENARIOS = scenariosFor(undefined);
const cli = path.join(root, 'dist', 'cli.js');
const show = (r: LabResult | undefined) => (r ? `${r.status}: ${r.cell}` : 'missing');

describe(`the m_copy lab on CPython 3.${minor} (${build().info.tag})`, () => {
  let results: LabResult[];
  const cell = (scenario: string, variant: string, loader: string) =>
    results.find((r) => r.scenario === scenario && r.variant === variant && r.loader === loader);

  before(async () => {
    const run = await runLab({
      targets: [{ label: 'under test', python: build().info.python.executable }],
      scenarios: SCENARIOS,
      variants: VARIANTS,
      loaders: LOADERS,
      jobs: 2,
    });
    assert.deepEqual(run.builds.filter((b) => b.error), [], 'the build under test could not run the lab');
    results = run.results;
  }, { timeout: 600_000 });

  it('runs every scenario, variant and loader once, on the build under test', () => {
    assert.equal(results.length, SCENARIOS.length * VARIANTS.length * LOADERS.length);
    assert.ok(results.every((r) => r.build === build().info.tag));
  });

  it('no run crashed or failed, and the only hangs are the pinned ones', () => {
    const expected = (r: LabResult) => (r.loader === 'isolated' ? pinnedIsolated : pinned)(r.scenario, r.variant, minor);
    const bad = results.filter((r) => ['crash', 'error'].includes(r.status) || (r.status === 'timeout' && !expected(r).startsWith('timeout')));
    assert.deepEqual(bad.map((r) => `${r.scenario} ${r.variant} ${r.loader}: ${show(r)}\n${r.stderr ?? ''}`), []);
  });

  it("the cpython loader agrees with CPython's own loader in every cell", () => {
    const differ = results
      .filter((r) => r.loader === 'cpython')
      .filter((r) => show(r) !== show(cell(r.scenario, r.variant, 'dynamic')))
      .map((r) => `${r.scenario} ${r.variant}: static ${show(r)} | CPython ${show(cell(r.scenario, r.variant, 'dynamic'))}`);
    assert.deepEqual(differ, []);
  });

  for (const scenario of SCENARIOS) {
    for (const variant of VARIANTS) {
      const skip = toolchainSkip(variant.module);
      it(`${scenario.id}, ${variant.label}: CPython 3.${minor} behaves as pinned, and the isolated loader as designed`, { skip }, () => {
        assert.equal(show(cell(scenario.id, variant.id, 'dynamic')), pinned(scenario.id, variant.id, minor), 'CPython itself');
        assert.equal(show(cell(scenario.id, variant.id, 'cpython')), pinned(scenario.id, variant.id, minor), 'static-py, cpython loader');
        assert.equal(show(cell(scenario.id, variant.id, 'isolated')), pinnedIsolated(scenario.id, variant.id, minor), 'static-py, isolated loader');
      });
    }
  }

  it('labels each SVG cell with a gist that claims only what its cell says', () => {
    // What a short label asserts, and the words its cell must then contain.
    const claims: [RegExp, RegExp][] = [
      [/m_copy/, /m_copy/], [/init again/, /init called again/], [/init not called/, /init not called/],
      [/same module/, /same module|the same module/], [/new module/, /new module/], [/main's objects/, /main's objects/],
    ];
    const wrong = results.filter((r) => r.short && claims.some(([label, cell]) => label.test(r.short!) && !cell.test(r.cell)));
    assert.deepEqual(wrong.map((r) => `${r.scenario} ${r.variant} ${r.loader}: "${r.short}" for "${r.cell}"`), []);
  });

  it('prints every cell whole in the terminal: wrapped to the width, or one line per cell when too narrow', () => {
    const report: LabReport = {
      generatedAt: '', loaders: LOADERS, scenarios: SCENARIOS.map((s) => s.id), variants: VARIANTS.map((v) => v.id),
      builds: [{ label: 'under test', python: build().info.python.executable, tag: build().info.tag, version: '3.x' }], results,
    };
    const solid = (text: string) => text.replace(/\s+/g, '');
    for (const width of [100, 200]) {
      const table = terminalTable(report, width);
      assert.doesNotMatch(table, /…/);
      const lines = table.split('\n').filter((l) => !l.startsWith(build().info.tag));
      assert.deepEqual(lines.filter((l) => l.length > width), [], `no line is wider than ${width}`);
      if (width < 110) {
        // One line per cell, continued on indented lines: each cell's text in order.
        for (const r of results) assert.ok(solid(table).includes(solid(r.cell)), r.cell);
        continue;
      }
      // A table: a row starts where the variant column is filled; each
      // loader's column, its lines joined, is the whole cell.
      const rows: string[][] = [];
      for (const line of lines.filter((l) => l.includes(' │')).slice(1)) {
        const cells = line.split(' │');
        if (cells[1]!.trim()) rows.push(cells.map((c) => c.trim()));
        else cells.forEach((c, i) => (rows.at(-1)![i] += c.trim()));
      }
      for (const r of results) {
        const row = rows.find((cells) => cells[0] === r.scenario && cells[1] === r.variant)!;
        const shown = row[2 + LOADERS.indexOf(r.loader)]!.replace(/^\[[^\]]+\]/, '');
        assert.equal(solid(shown), solid(r.cell), `${r.scenario} ${r.variant} ${r.loader}`);
      }
    }
    assert.match(terminalTable(report, 100), /^dotted-reimport · sp-1 · cpython: first: staticpytest_pkg\._staticpytest_basic; re-import:\n {4}staticpytest_pkg\._staticpytest_basic$/m);
  });

  it('writes lab-results.json, a markdown table per loader and an SVG cell per result', () => {
    const dir = tempDir();
    const report: LabReport = {
      generatedAt: new Date().toISOString(),
      loaders: LOADERS,
      scenarios: SCENARIOS.map((s) => s.id),
      variants: VARIANTS.map((v) => v.id),
      builds: [{ label: 'under test', python: build().info.python.executable, tag: build().info.tag, version: '3.x' }],
      results,
    };
    writeReport(report, dir);
    assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'lab-results.json'), 'utf8')) as LabReport).results.length, results.length);
    const md = fs.readFileSync(path.join(dir, 'lab-report.md'), 'utf8');
    for (const loader of LOADERS) assert.match(md, new RegExp(`## Loader: ${loader}`));
    assert.match(md, /\| legacy-after-main \| sp-1 \| \*\*shared\*\*: init ×1; shares main's objects/);
    const image = fs.readFileSync(path.join(dir, 'lab-matrix.svg'), 'utf8');
    assert.match(image, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal(image.match(/<title>/g)?.length, results.length);
    assert.match(image, /<title>[^<]*legacy-after-main · sp-1 · cpython \[shared\]: init ×1; shares main's objects/);
    // One panel: under the build, a column per loader side by side, in order.
    const headers = [...image.matchAll(/font-weight="bold">(cpython|isolated|dynamic)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(headers, [...LOADERS]);
    const cellX = (loader: string) => Number(new RegExp(`<title>[^<]*first-import · sp-1 · ${loader} [^<]*</title><rect x="(\\d+)"`).exec(image)![1]);
    assert.ok(cellX('cpython') < cellX('isolated') && cellX('isolated') < cellX('dynamic'));
    const [, height] = /height="(\d+)"/.exec(image)!;
    assert.ok(Number(height) < 40 + 18 * SCENARIOS.length * VARIANTS.length + 100, 'the loaders are not stacked');
  });
});

describe('the lab records a dying or silent child as a result', () => {
  it('a child killed by SIGSEGV inside Python is a crash with the signal and the end of its stderr', async () => {
    const script = childScript(`
      const { python } = require('static-py');
      console.error('about to read address 0');
      python.main.exec('import ctypes; ctypes.string_at(0)');`);
    const outcome = await superviseChild([script], process.env, 60_000);
    assert.equal(outcome.status, 'crash');
    assert.equal(outcome.signal, 'SIGSEGV');
    assert.match(outcome.cell, /^crashed \(SIGSEGV\)/);
    assert.match(outcome.stderr ?? '', /about to read address 0/);
  });

  it('a child that does not answer in time is a timeout, and is killed', async () => {
    const script = childScript('setInterval(() => {}, 1000);');
    const outcome = await superviseChild([script], process.env, 500);
    assert.equal(outcome.status, 'timeout');
    assert.match(outcome.cell, /no answer in 0.5 s/);
  });

  it('a child that makes no progress is stuck, and is killed then rather than at its time limit', async () => {
    // The main thread waits on a futex nothing will wake: a deadlock, as pybind11's before 3.12.
    const script = childScript('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);');
    const outcome = await superviseChild([script], process.env, 120_000, 1_000);
    assert.equal(outcome.status, 'timeout');
    assert.equal(outcome.cell, 'stuck (no progress for 1 s)');
  });

  it('a child that computes, or waits for a thread that computes, is never stuck', async () => {
    const script = childScript(`
      const { Worker } = require('node:worker_threads');
      const end = Date.now() + 2500;
      new Worker('const end = Date.now() + 2500; while (Date.now() < end);', { eval: true })
        .on('exit', () => { while (Date.now() < end); console.log('${RESULT_PREFIX}' + JSON.stringify({ status: 'ok', cell: 'done' })); });`);
    const outcome = await superviseChild([script], process.env, 120_000, 1_000);
    assert.deepEqual([outcome.status, outcome.cell], ['ok', 'done']);
  });

  it('a child that exits without a result is an error that quotes its stderr', async () => {
    const script = childScript("console.error('something went wrong early'); process.exit(3);");
    const outcome = await superviseChild([script], process.env, 60_000);
    assert.equal(outcome.status, 'error');
    assert.match(outcome.cell, /exited with 3 and no result: something went wrong early/);
  });
});

describe('static-py lab on bad input', () => {
  const lab = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [cli, 'lab', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const quick = ['--scenario', 'first-import', '--variant', 'sp-1', '--loader', 'cpython', '--quiet'];

  it('an unknown scenario, variant or loader is a usage error (exit 2) that lists the known ones', () => {
    const scenario = lab(['--scenario', 'first-import,no-such-thing']);
    assert.equal(scenario.status, 2);
    assert.match(scenario.stderr, /static-py lab: unknown scenario 'no-such-thing'; known scenarios: first-import, reimport, /);
    const variant = lab(['--variant', 'sp7']);
    assert.equal(variant.status, 2);
    assert.match(variant.stderr, /unknown variant 'sp7'; known variants: sp-1, sp0, sp\+, mp, mp-ns/);
    const loader = lab(['--loader', 'magic']);
    assert.equal(loader.status, 2);
    assert.match(loader.stderr, /unknown loader 'magic'; known loaders: cpython, isolated, dynamic/);
  });

  it('an unknown option, or --all with --python, is a usage error that points at --help', () => {
    const option = lab(['--fast']);
    assert.equal(option.status, 2);
    assert.match(option.stderr, /Unknown option '--fast' \(static-py lab --help lists the options\)/);
    const both = lab(['--all', '--python', 'python3']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give --all or --python, not both/);
    const help = lab(['--help']);
    assert.equal(help.status, 0);
    for (const s of EVERY_SCENARIO) assert.match(help.stdout, new RegExp(`  ${s.id} `));
  });

  it('a --python that is not a CPython is reported and exits 1, and the other builds still run and are reported', () => {
    const out = tempDir();
    const r = lab(['--python', '/bin/true', '--python', build().info.python.executable, '--out', out, ...quick]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /1 of 2 build\(s\) not run:\n {2}--python \/bin\/true: static-py: --python names \/bin\/true, which is not a CPython interpreter: asked what it is, it printed nothing\./);
    assert.match(r.stdout, /--python \/bin\/true: not run: static-py: --python names \/bin\/true, which is not a CPython interpreter/);
    assert.match(r.stdout, new RegExp(`${build().info.tag} \\(Python [\\d.]+, `));
    const report = JSON.parse(fs.readFileSync(path.join(out, 'lab-results.json'), 'utf8')) as LabReport;
    assert.equal(report.builds.length, 2);
    assert.match(report.builds[0]!.error ?? '', /is not a CPython interpreter/);
    assert.deepEqual(report.results.map((x) => [x.build, x.scenario, x.status]), [[build().info.tag, 'first-import', 'ok']]);
  });

  it('a --python that is not a Python writes no reports', () => {
    const out = tempDir();
    const r = lab(['--python', '/bin/ls', '--out', out, ...quick]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /static-py lab: no build ran, so no reports were written:\n {2}--python \/bin\/ls: /);
    assert.deepEqual(fs.readdirSync(out), []);
  });

  it('a --python that does not exist says so', () => {
    const r = lab(['--python', '/nonexistent/python3', '--out', tempDir(), ...quick]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--python \/nonexistent\/python3: static-py: --python names \/nonexistent\/python3, which does not exist\./);
  });

  // A CPython with no build here, made to fail its build early (a broken
  // STATIC_PY_CYTHON) once the first progress line is out.
  const unbuilt = () => {
    const built = new Set(listBuilds().map((b) => b.info.python.executable));
    const versions = fs.existsSync(path.join(pyenvRoot, 'versions')) ? fs.readdirSync(path.join(pyenvRoot, 'versions')) : [];
    return versions.map((v) => /^3\.(\d+)\.\d+$/.exec(v)).filter((m) => m && Number(m[1]) >= 8)
      .map((m) => path.join(pyenvRoot, 'versions', m![0], 'bin', `python3.${m![1]}`))
      .find((p) => fs.existsSync(p) && !built.has(fs.realpathSync(p)));
  };
  it('says so while it makes a lab build, and shows the build\'s progress as it goes', { skip: !unbuilt() && 'every CPython here has a build' }, () => {
    const r = lab(['--python', unbuilt()!, '--out', tempDir(), ...quick], { STATIC_PY_CYTHON: '/bin/false' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /static-py lab: no build for \S+ has the test extensions; making one \(a minute or two\):\n {2}\[\d+ s\] static-py: building cp3\d+-lab for Python 3\.\d+\.\d+/);
    assert.match(r.stderr, /STATIC_PY_CYTHON is '\/bin\/false', which is not a working cython/);
  });

  // --all runs what scripts/lib/pythons.mjs finds: here a PYENV_ROOT holding
  // only the version under test (if it is pyenv's), so the other pyenv
  // versions are missing. Debian's python3.11 is always looked for, so its
  // build must exist already (npm run test:matrix makes it before this runs
  // against it).
  const system = '/usr/bin/python3.11';
  const systemReady = !fs.existsSync(system) || buildsFor(system).some((b) => hasLabModules(b));
  it('--all reports the builds missing from the matrix, exits 1, and runs the rest', { skip: !systemReady && `needs a build for ${system} first` }, () => {
    const fakeRoot = tempDir();
    fs.mkdirSync(path.join(fakeRoot, 'versions'));
    const under = build().info.python.executable;
    const pyenvVersion = /\/versions\/(\d+\.\d+\.\d+)\/bin\//.exec(under)?.[1];
    if (pyenvVersion) {
      fs.symlinkSync(path.resolve(under, '..', '..'), path.join(fakeRoot, 'versions', pyenvVersion));
    }
    const out = tempDir();
    const r = lab(['--all', '--out', out, ...quick], { PYENV_ROOT: fakeRoot });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'lab-results.json'), 'utf8')) as LabReport;
    const missing = report.builds.filter((b) => b.error);
    const ran = report.builds.filter((b) => b.tag);
    assert.equal(missing.length, 7 - (pyenvVersion ? 1 : 0) + (fs.existsSync(system) ? 0 : 1));
    for (const b of missing.filter((x) => x.label.startsWith('pyenv'))) {
      assert.match(b.error!, new RegExp(`^missing: no 3\\.\\d+\\.x under ${fakeRoot}/versions$`));
    }
    assert.match(r.stderr, new RegExp(`${missing.length} of ${report.builds.length} build\\(s\\) not run:\\n  pyenv 3\\.`));
    assert.equal(report.results.length, ran.length);
    assert.ok(report.results.every((x) => x.status === 'ok'), JSON.stringify(report.results));
  });
});
