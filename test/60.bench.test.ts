// npm run bench keeps working: its generator, its statistics and plots, and
// one small end-to-end run. Nothing here looks at how fast anything is
// (the numbers live in npm run bench's own output).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { build, root, tempDir } from './helpers/build.js';

const load = <T>(file: string): Promise<T> => import(path.join(root, 'scripts', 'bench', file)) as Promise<T>;

interface Report {
  summarize(ns: number[]): { count: number; totalMs: number; meanUs: number; p50Us: number; p99Us: number };
  drift(ns: number[]): { window: number; ratio: number };
  binned(ns: number[], bins?: number): { position: number; us: number }[];
}

describe('npm run bench', () => {
  it('generates trivial top-level modules, 100 to a file, in an ordinary manifest', async () => {
    const { generateExtensions, moduleName } = await load<{ generateExtensions(dir: string, n: number): string; moduleName(i: number): string }>('generate.mjs');
    const dir = path.join(tempDir(), 'src');
    const manifest = JSON.parse(fs.readFileSync(generateExtensions(dir, 250), 'utf8')) as { modules: { name: string; sources: string[] }[] };
    assert.equal(manifest.modules.length, 250);
    assert.deepEqual(manifest.modules[0], { name: 'bench_m00000', sources: ['chunk_0000.c'] });
    assert.deepEqual(manifest.modules[249], { name: 'bench_m00249', sources: ['chunk_0002.c'] });
    assert.equal(moduleName(12345), 'bench_m12345');
    assert.match(fs.readFileSync(path.join(dir, 'chunk_0002.c'), 'utf8'), /PyMODINIT_FUNC PyInit_bench_m00249\(void\)/);
  });

  it('summarises per-import times: totals, quantiles, drift along the table, and bins', async () => {
    const { summarize, drift, binned } = await load<Report>('report.mjs');
    const ns = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    assert.deepEqual(summarize(ns), { count: 100, totalMs: 5.05, meanUs: 50.5, p50Us: 51, p99Us: 100 });
    assert.deepEqual(drift(ns), { window: 10, ratio: 95.5 / 5.5 });
    assert.equal(binned(ns, 10).length, 10);
    assert.deepEqual(binned(ns, 10)[0], { position: 5, us: 5.5 });
  });

  it('refuses bad options with a usage error', () => {
    const bench = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'scripts', 'bench.mjs'), ...args], { cwd: root, encoding: 'utf8' });
    const small = bench(['--modules', '3']);
    assert.equal(small.status, 2);
    assert.match(small.stderr, /--modules must be a whole number of at least 10, not '3'/);
    const unknown = bench(['--only', 'imports,speed']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown measure\(s\) speed; known: imports, startup, parallel, calls, subinterpreters/);
    const typo = bench(['--module', '100']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /^static-py bench: Unknown option '--module'.*\nusage: node scripts\/bench\.mjs /s);
  });

  // A bench addon costs a build: once, in npm test, not on every build of the matrix.
  it('runs end to end on a small table and writes its results and plots', { skip: Boolean(process.env.STATIC_PY_TEST_REPEAT) && 'run once, by npm test' }, () => {
    const out = tempDir();
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'bench.mjs'), '--python', build().info.python.executable,
      '--modules', '200', '--only', 'imports,subinterpreters', '--out', out, '--quiet'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /import, static \(fast path\) .* total .* ms .* mean .* µs/);
    assert.match(r.stdout, /import, static through importlib .* total .* ms .* mean .* µs/);
    assert.match(r.stdout, /tail, inittab \(page faults\) /);
    assert.match(r.stdout, /import, inittab \(CPython\)/);
    assert.match(r.stdout, /targets:\n {4}(met {4}|NOT MET) static ≥ 30× faster than inittab \(200 imports\)/);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'bench-results.json'), 'utf8')) as { runs: { modules: number; targets: unknown[] }[] };
    assert.equal(results.runs[0]!.modules, 200);
    assert.equal(results.runs[0]!.targets.length, 3);
    const plot = fs.readdirSync(out).find((f) => /^bench-imports-.*\.svg$/.test(f));
    assert.ok(plot, 'a per-position plot');
    assert.match(fs.readFileSync(path.join(out, plot), 'utf8'), /<svg[^>]*>[\s\S]*inittab \(CPython\)[\s\S]*static-py through importlib[\s\S]*static-py fast path/);
  });
});

// npm run test:stress keeps working: a few cycles of each kind, against the
// build under test. Its bound is the real run's business (CI): a few cycles
// say nothing about growth, and under ASan (npm run test:asan) RSS is
// mostly the sanitizer's own, so the bound here is out of the way.
describe('npm run test:stress', () => {
  it('runs a few cycles of each kind of interpreter and compares them with CPython\'s own loop', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'scripts', 'stress.mjs'), '--cycles', '3', '--warmup', '1', '--max-growth-mb', '100000'], {
      cwd: root, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}ok {5}legacy {3}3\/3 cycles/m);
    assert.match(r.stdout, /CPython's own loop, same cycles, no static-py: [+-]\d/);
    assert.match(r.stdout, /interpreters still open: 0; main still answers: true/);
  });
});
