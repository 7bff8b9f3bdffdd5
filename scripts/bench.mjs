#!/usr/bin/env node
// npm run bench: static-py's speed, measured side by side in one run.
//   node scripts/bench.mjs                  the default Python (python3, or STATIC_PY_PYTHON)
//   node scripts/bench.mjs --python PATH    that Python        --all   every CPython found
//   --modules N (default 10000)  --only imports,startup,parallel,calls,subinterpreters
//   --out DIR (default .)        --runs N (start-up repeats, default 31)
// Builds bench addons from N generated extensions through the ordinary
// manifest, runs each measurement in a fresh process, prints a table with
// the targets met or not, and writes bench-results.json and SVG plots.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { generateExtensions } from './bench/generate.mjs';
import { PEERS, measurePeer } from './bench/peer.mjs';
import { drift, summarize, table, target, writeBench } from './bench/report.mjs';
import { buildsDir, root } from './lib/paths.mjs';
import { defaultPython, probePython } from './lib/python-probe.mjs';
import { findPythons } from './lib/pythons.mjs';

const require = createRequire(import.meta.url);
const benchDir = path.join(buildsDir, 'bench');
const MEASURES = ['imports', 'startup', 'parallel', 'calls', 'subinterpreters'];

const USAGE = `usage: node scripts/bench.mjs [--python PATH | --all] [--modules N] [--only ${MEASURES.join(',')}]
                              [--out DIR] [--runs N] [--quiet]`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      python: { type: 'string' }, all: { type: 'boolean' }, modules: { type: 'string' }, only: { type: 'string' },
      out: { type: 'string' }, runs: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
    },
  }));
} catch (e) {
  console.error(`static-py bench: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const count = Number(values.modules ?? 10000);
if (!Number.isInteger(count) || count < 10) {
  console.error(`static-py bench: --modules must be a whole number of at least 10, not '${values.modules}'`);
  process.exit(2);
}
const only = values.only ? values.only.split(',') : MEASURES;
const unknown = only.filter((m) => !MEASURES.includes(m));
if (unknown.length) {
  console.error(`static-py bench: unknown measure(s) ${unknown.join(', ')}; known: ${MEASURES.join(', ')}`);
  process.exit(2);
}
// 31: with 15, one build's fastest run could still be 4 ms off (3.14.7, 2026-12-01).
const startupRuns = Number(values.runs ?? 31);
const log = values.quiet ? () => {} : (m) => process.stderr.write(`${m}\n`);

/**
 * A bench build of `python` with `modules` generated extensions (0: none),
 * made through the ordinary build (incremental: the generated extensions
 * compile once), so it always has this checkout's native code. With
 * `noTable`, the same extensions are linked but none is registered
 * (build.mjs --no-table): what they cost to load without static-py's table.
 */
const made = new Map();
function benchBuild(python, modules, { noTable = false } = {}) {
  const suffix = `bench${modules}${noTable ? '-notable' : ''}`;
  const { buildsFor } = require(path.join(root, 'dist', 'binding.js'));
  const linked = (b) => (noTable ? b.info.linkedWithoutTable === modules : b.info.modules === modules);
  const find = () => buildsFor(python).find((b) => b.info.tag.endsWith(`-${suffix}`) && linked(b));
  const key = `${python} ${suffix}`;
  if (made.has(key)) return find();
  const manifest = modules ? ['--manifest', generateExtensions(path.join(benchDir, `src-${modules}`), modules)] : ['--no-manifest'];
  log(`  building a bench addon with ${modules} modules${noTable ? ' linked and no table' : ''} for ${python}`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--python', python, ...manifest, '--tag-suffix', suffix,
    ...(noTable ? ['--no-table'] : []), '--quiet'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`building the bench addon failed:\n${r.stderr || r.stdout}`);
  const build = find();
  if (!build) throw new Error(`building the bench addon for ${python} made no build tagged *-${suffix}`);
  made.set(key, build);
  return build;
}

/** Runs one measurement in a fresh process on `build`. */
function child(build, measure, options = {}, extraArgs = []) {
  const r = spawnSync(process.execPath, [...extraArgs, path.join(root, 'scripts', 'bench', 'child.cjs'), measure, JSON.stringify(options)], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, STATIC_PY_BUILD: build.info.tag, STATIC_PY_PYTHON: '' },
  });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('BENCH-RESULT '));
  if (r.status !== 0 || !line) throw new Error(`the ${measure} measurement failed (exit ${r.status ?? r.signal}):\n${r.stderr.trim()}`);
  return JSON.parse(line.slice('BENCH-RESULT '.length));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per position, the fastest of several runs: this machine's noise only ever adds time. */
const fastestPerPosition = (runs) => runs[0].map((_, i) => Math.min(...runs.map((r) => r[i])));
const IMPORT_RUNS = 3;

function measureImports(run, build) {
  log(`  imports: static (fast path; and with hugePages), static through importlib, inittab, floor (${IMPORT_RUNS} rounds, alternating)`);
  const rounds = { static: [], staticHuge: [], finder: [], inittab: [], floor: [], staticParts: [], inittabParts: [] };
  for (let r = 0; r < IMPORT_RUNS; r++) {
    rounds.static.push(child(build, 'imports', { register: 'fast', count }).ns);
    rounds.staticHuge.push(child(build, 'imports', { register: 'fast', count, hugePages: true }).ns);
    rounds.finder.push(child(build, 'imports', { register: 'finder', count }).ns);
    rounds.inittab.push(child(build, 'imports', { register: 'inittab', count }).ns);
    rounds.floor.push(child(build, 'floor', { count }).ns);
    rounds.staticParts.push(child(build, 'parts', { register: 'finder', count }));
    rounds.inittabParts.push(child(build, 'parts', { register: 'inittab', count }));
  }
  const raw = { static: fastestPerPosition(rounds.static), staticHuge: fastestPerPosition(rounds.staticHuge), finder: fastestPerPosition(rounds.finder), inittab: fastestPerPosition(rounds.inittab), floor: fastestPerPosition(rounds.floor) };
  const fastestParts = (xs) => ({ lookup: fastestPerPosition(xs.map((x) => x.lookup)), createExec: fastestPerPosition(xs.map((x) => x.createExec)) });
  const parts = { static: fastestParts(rounds.staticParts), inittab: fastestParts(rounds.inittabParts) };
  run.raw = raw;
  run.imports = { static: summarize(raw.static), staticHuge: summarize(raw.staticHuge), finder: summarize(raw.finder), inittab: summarize(raw.inittab), floor: summarize(raw.floor), drift: drift(raw.static), inittabDrift: drift(raw.inittab) };
  run.parts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, { lookup: summarize(v.lookup), createExec: summarize(v.createExec) }]));
  // The tail: is a slow import one that took page faults (first touches of
  // fresh memory)? One more run each, counting them.
  const tail = (floor, register) => {
    const { rows } = child(build, 'tail', { count, floor, register });
    const faulted = rows.filter(([, f]) => f > 0);
    const clean = rows.filter(([, f]) => f === 0).map(([ns]) => ns);
    return {
      ...summarize(rows.map(([ns]) => ns)), faultedImports: faulted.length, faults: faulted.reduce((a, [, f]) => a + f, 0),
      faultedMeanUs: summarize(faulted.map(([ns]) => ns)).meanUs, cleanP99Us: summarize(clean).p99Us,
    };
  };
  run.tail = { static: tail(false, 'fast'), inittab: tail(false, 'inittab'), floor: tail(true) };
  const speedup = run.imports.inittab.totalMs / run.imports.static.totalMs;
  const bound = run.imports.inittab.totalMs / run.imports.floor.totalMs;
  const overFloor = run.imports.static.meanUs / run.imports.floor.meanUs;
  const overFloorP50 = run.imports.static.p50Us / run.imports.floor.p50Us;
  const d = run.imports.drift;
  const us = (x) => `${x.toFixed(2)} µs`;
  // CPython's own create+exec where its scan costs least: what running the
  // init function costs, whoever calls it.
  const cpythonCreate = summarize(parts.inittab.createExec.slice(0, Math.max(10, Math.floor(count / 100)))).meanUs;
  run.targets.push(
    { ...target(`static ≥ 30× faster than inittab (${count} imports)`, '≥ 30×', `${speedup.toFixed(1)}×`, speedup >= 30,
      `the import statement alone (the floor) is ${bound.toFixed(1)}× faster than inittab`), score: speedup / 30 },
    { ...target(`static: last ${d.window} / first ${d.window} mean`, '≤ 1.15', d.ratio.toFixed(3), d.ratio <= 1.15), score: 1.15 / d.ratio },
    { ...target('static import (fast path) / the floor, mean and p50', '≤ 1.0×', `${overFloor.toFixed(2)}×, ${overFloorP50.toFixed(2)}×`,
      overFloor <= 1.0 && overFloorP50 <= 1.0,
      `static ${us(run.imports.static.meanUs)} = lookup ${us(run.parts.static.lookup.meanUs)} (find_spec, called from Python) + ` +
      `create+exec ${us(run.parts.static.createExec.meanUs)} (CPython's own create+exec of the same module: ${us(cpythonCreate)}) + ` +
      `the rest ${us(run.imports.static.meanUs - run.parts.static.lookup.meanUs - run.parts.static.createExec.meanUs)} ` +
      `(spec, module attributes, sys.modules, the C import statement); through importlib's machinery ${us(run.imports.finder.meanUs)}`),
    score: 1.0 / Math.max(overFloor, overFloorP50) },
  );
}

function measureStartup(run, python) {
  const modules = 20000;
  const builds = { empty: benchBuild(python, 0), bare: benchBuild(python, modules, { noTable: true }), full: benchBuild(python, modules) };
  log(`  start-up: ${startupRuns} runs each, alternating: no modules, ${modules} linked without a table, ${modules} in the table`);
  const samples = { empty: [], bare: [], full: [] };
  for (const b of Object.values(builds)) child(b, 'startup'); // the page cache warm for each
  for (let i = 0; i < startupRuns; i++) {
    for (const [k, b] of Object.entries(builds)) samples[k].push(child(b, 'startup'));
  }
  // The fastest run of each: a fixed cost shows in it, and this machine's
  // noise (±10 ms between runs of one build) only ever adds time. The
  // medians are kept beside it.
  const of = (key, pick) => Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, pick(xs.map((x) => x[key]))]));
  const min = (xs) => Math.min(...xs);
  run.startup = {
    runs: startupRuns, modules, ms: of('ms', min), medianMs: of('ms', median),
    loadMs: of('addonLoadMs', min), faults: of('faults', median), samples,
  };
  // static-py's share is what the table adds over the same code linked
  // without it; the extensions' own load cost (a bigger .node: its
  // relocations and page faults) is the rest, and any build pays it.
  const { ms, faults } = run.startup;
  const ours = ms.full - ms.bare;
  const signed = (x, unit = ' ms') => `${x >= 0 ? '+' : ''}${unit === ' ms' ? x.toFixed(2) : x}${unit}`;
  run.targets.push({ ...target(`start-up with ${modules} modules in the table vs the same modules linked without one`, '≤ +2 ms', signed(ours), ours <= 2,
    `${signed(faults.full - faults.bare, ' page faults')}; the modules' own cost, linked without a table, over none: ` +
    `${signed(ms.bare - ms.empty)}, ${signed(faults.bare - faults.empty, ' page faults')}`), score: 2 / Math.max(ours, 0.2) });
}

/**
 * What the machine gives two CPU-bound Python processes (no interpreter
 * sharing at all): the ceiling for two interpreters in one process.
 */
async function processCeiling(python, work) {
  const code = `s = 0\nfor i in range(${work}):\n    s += i * i`;
  const once = () => new Promise((resolve, reject) => {
    const p = spawn(python, ['-I', '-c', code], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('close', resolve);
  });
  const time = async (f) => {
    const t0 = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  await once();
  const ms = { sequential: [], parallel: [] };
  for (let round = 0; round < 4; round++) {
    ms.sequential.push(await time(async () => { await once(); await once(); }));
    ms.parallel.push(await time(() => Promise.all([once(), once()])));
  }
  return { sequential: Math.min(...ms.sequential), parallel: Math.min(...ms.parallel) };
}

async function measureParallel(run, build) {
  if (run.minor < 12) {
    run.targets.push(target('own-GIL speedup, 2 interpreters', '≥ 1.8×', 'n/a (own GIL needs 3.12+)', null));
    return;
  }
  log('  parallel: 1 vs 2 own-GIL vs 2 shared-GIL interpreters, and the machine: 1 vs 2 processes');
  const work = 4_000_000;
  run.parallel = child(build, 'parallel', { work });
  run.parallel.processes = await processCeiling(run.python, work);
  const speedup = run.parallel.sequential / run.parallel.ownGil;
  const ceiling = run.parallel.processes.sequential / run.parallel.processes.parallel;
  run.targets.push({ ...target('own-GIL speedup, 2 interpreters, 2 cores', '≥ 1.8×', `${speedup.toFixed(2)}×`, speedup >= 1.8,
    `shared GIL ${(run.parallel.sequential / run.parallel.sharedGil).toFixed(2)}×; two separate Python processes reach ${ceiling.toFixed(2)}× on this machine now`), score: speedup / 1.8 });
}

function measureCalls(run, build, python) {
  log(`  calls: static-py and ${PEERS.map((p) => p.spec).join(', ')}`);
  const moduleDir = path.join(benchDir, 'calls');
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(path.join(moduleDir, 'bench_calls.py'),
    'from operator import add\n\ndef echo(data):\n    return data\n\ndef call_n(f, n):\n    for i in range(n):\n        f(i)\n    return n\n');
  const options = { iterations: 200_000, bufferIterations: 300, callbacks: 100_000, asyncCallbacks: 20_000, moduleDir };
  // Alternating rounds, the fastest of each side: this machine's noise only
  // ever adds time.
  const rounds = { staticPy: [], ...Object.fromEntries(PEERS.map((p) => [p.spec, []])) };
  const peerErrors = {};
  for (let round = 0; round < 3; round++) {
    rounds.staticPy.push(child(build, 'calls', options));
    for (const peer of PEERS) {
      if (peerErrors[peer.spec]) continue;
      try {
        rounds[peer.spec].push(measurePeer(peer, { python, options, benchDir, log }));
      } catch (e) {
        peerErrors[peer.spec] = e.message.split('\n')[0];
      }
    }
  }
  const fastest = (xs) => xs.length ? Object.fromEntries(Object.keys(xs[0]).map((k) => [k, typeof xs[0][k] === 'number' ? Math.min(...xs.map((x) => x[k])) : xs[0][k]])) : undefined;
  const peers = PEERS.map((p) => fastest(rounds[p.spec])).filter(Boolean);
  run.calls = { rounds: rounds.staticPy.length, staticPy: fastest(rounds.staticPy), peers, peerErrors: Object.values(peerErrors) };
  const s = run.calls.staticPy;
  const us = (ns) => `${(ns / 1e3).toFixed(2)} µs`;
  for (const peer of peers) {
    const callback = peer.callbackNs / s.callbackNs;
    const asyncCallback = peer.asyncCallbackNs / s.asyncCallbackNs;
    run.targets.push(
      { ...target(`Python → JS callback, sync, vs ${peer.name}`, 'faster', `${callback.toFixed(2)}×`, callback >= 1,
        `${us(s.callbackNs)} vs ${us(peer.callbackNs)} a call, Python looping on the JS thread`), score: callback },
      { ...target(`Python → JS callback from an async call's thread vs ${peer.name}`, 'faster', `${asyncCallback.toFixed(2)}×`, asyncCallback >= 1,
        `${us(s.asyncCallbackNs)} vs ${us(peer.asyncCallbackNs)} a call, each queued to the JS thread and waited for`), score: asyncCallback },
    );
  }
  // The call targets are set against node-calls-python (issues 16 and 20);
  // each peer calls a function of a module it imported from a file, and so
  // does static-py here.
  const ncp = peers.find((p) => p.name.startsWith('node-calls-python@'));
  if (!ncp) {
    run.targets.push(target('call overhead vs node-calls-python', '≥ 2×', 'no peer', null, peerErrors[PEERS[0].spec]));
    return;
  }
  const call = ncp.callNs / s.moduleCallNs;
  const buffer = ncp.bufferNs / s.bufferNs;
  run.targets.push(
    { ...target(`sync call round trip vs ${ncp.name}`, '≥ 2× faster', `${call.toFixed(2)}×`, call >= 2), score: call / 2 },
    { ...target(`1 MB Buffer ⇄ bytes vs ${ncp.name}`, '≥ 1.5× faster', `${buffer.toFixed(2)}×`, buffer >= 1.5,
      `a round trip copies 1 MB each way; two plain copies in JS take ${(s.twoCopiesNs / 1e3).toFixed(1)} µs`), score: buffer / 1.5 },
  );
}

function measureSubinterpreters(run, build) {
  log('  subinterpreters: static-py and the bare C API');
  const presets = run.minor >= 12 ? ['isolated', 'legacy'] : ['legacy'];
  const cycles = 200;
  const idle = 40;
  const staticPy = child(build, 'subinterpreters', { cycles, idle, presets }, ['--expose-gc']);
  const config = JSON.parse(fs.readFileSync(path.join(build.dir, 'build-config.json'), 'utf8'));
  const exe = path.join(benchDir, `capi_loop-${build.info.tag}`);
  const libpython = build.info.python.libpython;
  const cc = libpython
    ? spawnSync(process.env.CC || 'cc', ['-O2', path.join(root, 'scripts', 'bench', 'capi_loop.c'), '-o', exe,
      ...config.python.include_dirs.map((d) => `-I${d}`), libpython, `-Wl,-rpath,${path.dirname(libpython)}`, '-lm', '-ldl', '-lpthread'],
    { encoding: 'utf8' })
    : { status: 1, stderr: 'the build links libpython statically; the C baseline needs a shared libpython' };
  const capi = {};
  if (cc.status !== 0) {
    run.subinterpreters = { staticPy, capi, capiError: cc.stderr.trim().split('\n').slice(-3).join(' ') };
    return;
  }
  for (const preset of presets) {
    const r = spawnSync(exe, [String(cycles), String(idle), preset], {
      encoding: 'utf8', env: { ...process.env, PYTHONHOME: config.python.prefix },
    });
    capi[preset] = r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.trim() };
  }
  run.subinterpreters = { staticPy, capi, cycles, idle };
}

async function benchOne(python) {
  const info = probePython(python, values.python ? '--python' : 'the default');
  const build = only.some((m) => m !== 'startup') ? benchBuild(python, count) : null;
  const run = { build: build?.info.tag ?? python, python: info.executable, version: info.version.slice(0, 3).join('.'), minor: info.minor, modules: count, targets: [] };
  log(`static-py bench: ${run.build} (Python ${run.version})`);
  if (only.includes('imports')) measureImports(run, build);
  if (only.includes('startup')) measureStartup(run, python);
  if (only.includes('parallel')) await measureParallel(run, build);
  if (only.includes('calls')) measureCalls(run, build, info.executable);
  if (only.includes('subinterpreters')) measureSubinterpreters(run, build);
  return run;
}

const pythons = values.all ? findPythons().filter((p) => p.found).map((p) => p.python) : [values.python ?? defaultPython()];
const runs = [];
let failed = false;
for (const python of pythons) {
  try {
    const run = await benchOne(python);
    runs.push(run);
    process.stdout.write(`${table(run)}\n`);
  } catch (e) {
    failed = true;
    process.stderr.write(`static-py bench: ${python}: ${e.message}\n`);
  }
}
const files = writeBench(runs, path.resolve(values.out ?? '.'));
process.stdout.write(`\nwrote ${files.join(', ')}\n`);
process.exit(failed ? 1 : 0);
