#!/usr/bin/env node
// npm run test:stress: the subinterpreter lifecycle, many times over.
// Each cycle creates an interpreter, imports static modules in it (a
// multi-phase one, and in legacy interpreters a single-phase one too), calls
// into them and into the stdlib, and closes it. RSS is measured after a
// warm-up and again at the end. The bound is 10 MB over what CPython's own
// lifecycle grows by in as many cycles (scripts/stress_baseline.py, run in
// its own process now): 3.12 and 3.13 leak in Py_EndInterpreter themselves.
//   node scripts/stress.mjs [--cycles 1000] [--warmup 100] [--max-growth-mb 10] [--time-limit-s 600]
// Runs on the build require('static-py') selects (STATIC_PY_PYTHON, ...).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { python } = require('../dist/index.js');

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
const rssMb = () => {
  global.gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};

function cycle(kind) {
  const interp = python.createInterpreter(kind);
  try {
    if (statics.has('_staticpytest_multiphase')) {
      interp.import('_staticpytest_multiphase');
      interp.call('_staticpytest_multiphase.exec_count');
    }
    // Single-phase modules refuse isolated interpreters.
    if (kind === 'legacy' && statics.has('_staticpytest_basic')) {
      interp.import('_staticpytest_basic');
      interp.call('_staticpytest_basic.init_count');
    }
    interp.call('json.dumps', { cycle: true, values: [1, 2, 3] });
  } finally {
    interp.close();
  }
}

/** MB that CPython's own create/run/destroy loop grows by over `cycles`, or null if it cannot run. */
function cpythonGrowth(kind) {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stress_baseline.py');
  const r = spawnSync(python.build.python.executable, [script, kind, String(cycles), String(warmup)], { encoding: 'utf8', timeout: 600_000 });
  const mb = Number(r.stdout.trim());
  return r.status === 0 && Number.isFinite(mb) ? mb : null;
}

let failed = false;
console.log(`static-py stress: ${python.build.tag} (Python ${version.major}.${version.minor}.${version.micro}), ` +
  `${cycles} cycles per kind after ${warmup} to warm up${global.gc ? '' : ' (run with --expose-gc for steadier numbers)'}`);
for (const kind of kinds) {
  for (let i = 0; i < warmup; i++) cycle(kind);
  const before = rssMb();
  const started = Date.now();
  let done = 0;
  for (; done < cycles && Date.now() < deadline; done++) cycle(kind);
  const after = rssMb();
  const growth = after - before;
  const per = ((Date.now() - started) / Math.max(done, 1)).toFixed(2);
  const own = cpythonGrowth(kind);
  const bound = maxGrowthMb + Math.max(own ?? 0, 0);
  const ok = done === cycles && growth <= bound;
  if (!ok) failed = true;
  console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${kind.padEnd(8)} ${done}/${cycles} cycles, ${per} ms each; RSS ${before.toFixed(1)} MB -> ` +
    `${after.toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB, bound +${bound.toFixed(1)} MB)` +
    `${done < cycles ? '; stopped at the time limit' : ''}`);
  console.log(`         CPython's own loop, same cycles, no static-py: ${own === null ? 'could not run' : `+${own.toFixed(1)} MB`}`);
}
console.log(`  interpreters still open: ${python.interpreters().length - 1}; main still answers: ${python.main.eval('6 * 7') === 42}`);
process.exit(failed ? 1 : 0);
