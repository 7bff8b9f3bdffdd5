#!/usr/bin/env node
// npm run test:stress: the subinterpreter lifecycle, many times over.
// Each cycle creates an interpreter, imports static modules in it (a
// multi-phase one, and in legacy interpreters a single-phase one too), calls
// into them and into the stdlib, and closes it. RSS is measured after a
// warm-up and again at the end. The bound is 10 MB over what CPython's own
// lifecycle, importing the same extensions, grows by in as many cycles
// (scripts/stress_baseline.py, in a process of its own): 3.12 and 3.13 leak
// in Py_EndInterpreter themselves.
//   node scripts/stress.mjs [--cycles 1000] [--warmup 100] [--max-growth-mb 10] [--time-limit-s 600]
// Runs on the build require('static-py') selects (STATIC_PY_PYTHON, ...).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { variantLibrary } from './lib/fixture-libraries.mjs';

const require = createRequire(import.meta.url);
const { python } = require('../dist/index.js');
const { selectBuild } = require('../dist/binding.js');
const { VARIANTS } = require('../dist/lab/variants.js');

const USAGE = 'usage: node scripts/stress.mjs [--cycles N] [--warmup N] [--max-growth-mb MB] [--time-limit-s S]';
let values;
try {
  ({ values } = parseArgs({ options: {
    cycles: { type: 'string' }, warmup: { type: 'string' }, 'max-growth-mb': { type: 'string' }, 'time-limit-s': { type: 'string' },
  } }));
} catch (e) {
  console.error(`static-py stress: ${e.message}\n${USAGE}`);
  process.exit(2);
}
const number = (name, fallback) => {
  const v = Number(values[name] ?? fallback);
  if (!(v > 0)) {
    console.error(`static-py stress: --${name} must be a positive number, not '${values[name]}'\n${USAGE}`);
    process.exit(2);
  }
  return v;
};
const cycles = number('cycles', 1000);
const warmup = number('warmup', 100);
const maxGrowthMb = number('max-growth-mb', 10);
const deadline = Date.now() + number('time-limit-s', 600) * 1000;

const statics = new Set(python.staticModules().map((m) => m.name));
const version = python.version;
const kinds = version.minor >= 12 ? ['legacy', 'isolated'] : ['legacy'];
// Node runs the finalizers of collected native objects (a closed
// Interpreter's C++ half) from the event loop, not inside gc(): let it turn
// before reading RSS, or pending finalizers count as growth.
const tick = () => new Promise((resolve) => setImmediate(resolve));
const settle = async () => {
  for (let i = 0; i < 2; i++) {
    global.gc?.();
    await tick();
  }
};
// What malloc has handed out and not had back (stress_baseline.py's
// malloc_mb, run in the main interpreter), NaN without glibc's mallinfo2:
// unlike RSS, neither heap fragmentation nor mmap()ed obmalloc arenas move
// it, so it tells a leak of ours from memory CPython or the allocator keeps.
const baselineScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stress_baseline.py');
python.main.exec(`import runpy\n_static_py_malloc_mb = runpy.run_path(${JSON.stringify(baselineScript)})['malloc_mb']`);
// The part of RSS that is file-backed (Linux's RssFile): code of node, libpython
// and the addon paged in as new paths run, which no leak moves.
const fileBackedMb = () => {
  try {
    const kb = /^RssFile:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
};
const measure = async () => {
  await settle();
  const malloc = python.main.call('_static_py_malloc_mb');
  return { rss: process.memoryUsage().rss / 2 ** 20, file: fileBackedMb(), malloc: Number.isFinite(malloc) ? malloc : null };
};
const signed = (mb) => `${mb >= 0 ? '+' : ''}${mb.toFixed(1)} MB`;

// The static modules each cycle imports and the function it calls in each:
// a multi-phase one, and in legacy interpreters a single-phase one too
// (single-phase modules refuse isolated interpreters).
const USED = [['_staticpytest_multiphase', 'exec_count', ['legacy', 'isolated']], ['_staticpytest_basic', 'init_count', ['legacy']]]
  .filter(([name]) => statics.has(name));
const used = (kind) => USED.filter(([, , kinds]) => kinds.includes(kind));

function cycle(kind) {
  const interp = python.createInterpreter(kind);
  try {
    for (const [name, fn] of used(kind)) {
      interp.import(name);
      interp.call(`${name}.${fn}`);
    }
    interp.call('json.dumps', { cycle: true, values: [1, 2, 3] });
  } finally {
    interp.close();
  }
}

/**
 * Up to `n` cycles, until the time limit; how many ran. Between cycles the
 * event loop turns, as in a program that does anything else: a closed
 * interpreter's native half is freed there.
 */
async function runCycles(kind, n) {
  let done = 0;
  for (; done < n && Date.now() < deadline; done++) {
    cycle(kind);
    await tick();
  }
  return done;
}

/**
 * MB that CPython's own create/run/destroy loop grows by over `cycles`, in
 * RSS and in malloc()ed memory, or null if it cannot run. It imports the
 * same test extensions, built as shared libraries for CPython's own loader:
 * from 3.12 an ended interpreter keeps memory in proportion to what it held.
 */
async function cpythonGrowth(kind) {
  const exts = [];
  for (const [name, fn] of used(kind)) {
    const variant = VARIANTS.find((v) => v.module === name);
    const wanted = { source: variant.source, framework: variant.framework ?? 'c', module: variant.module };
    exts.push(`${name}=${variantLibrary(selectBuild().dir, wanted)}:${fn}`);
  }
  const r = spawnSync(python.build.python.executable, [baselineScript, kind, String(cycles), String(warmup), ...exts], { encoding: 'utf8', timeout: 600_000 });
  const [rss, malloc] = r.stdout.trim().split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(rss)) {
    console.log(`         (CPython's own loop failed: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)})`);
    return null;
  }
  return { rss, malloc: Number.isFinite(malloc) ? malloc : null };
}

let failed = false;
console.log(`static-py stress: ${python.build.tag} (Python ${version.major}.${version.minor}.${version.micro}), ` +
  `${cycles} cycles per kind after ${warmup} to warm up${global.gc ? '' : ' (run with --expose-gc for steadier numbers)'}`);
for (const kind of kinds) {
  await runCycles(kind, warmup);
  const before = await measure();
  const started = Date.now();
  const done = await runCycles(kind, cycles);
  const after = await measure();
  const growth = after.rss - before.rss;
  const per = ((Date.now() - started) / Math.max(done, 1)).toFixed(2);
  const own = await cpythonGrowth(kind);
  const bound = maxGrowthMb + Math.max(own?.rss ?? 0, 0);
  const ok = done === cycles && growth <= bound;
  if (!ok) failed = true;
  console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${kind.padEnd(8)} ${done}/${cycles} cycles, ${per} ms each; RSS ${before.rss.toFixed(1)} MB -> ` +
    `${after.rss.toFixed(1)} MB (${signed(growth)}${after.file !== null ? `, of which ${signed(after.file - before.file)} file-backed` : ''}, ` +
    `bound +${bound.toFixed(1)} MB)` +
    `${done < cycles ? '; stopped at the time limit' : ''}`);
  console.log(`         CPython's own loop, same cycles, no static-py: ${own === null ? 'could not run' : signed(own.rss)}`);
  if (after.malloc !== null) {
    console.log(`         malloc()ed and still in use: ${signed(after.malloc - before.malloc)}` +
      `${own?.malloc != null ? ` (CPython's own loop: ${signed(own.malloc)})` : ''}`);
  }
}
console.log(`  interpreters still open: ${python.interpreters().length - 1}; main still answers: ${python.main.eval('6 * 7') === 42}`);
process.exit(failed ? 1 : 0);
