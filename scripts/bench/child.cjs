// One measurement of npm run bench, in a process of its own (Python starts
// once per process, and the inittab is fixed before it starts):
//   node scripts/bench/child.cjs <measure> '<json options>'
// prints "BENCH-RESULT <json>" as its last line. The build comes from
// STATIC_PY_BUILD, set by scripts/bench.mjs.
'use strict';
const path = require('node:path');

const { nsPerCall, timeCallbacks } = require('./loop-timer.cjs');

const root = path.resolve(__dirname, '..', '..');
const started = process.hrtime.bigint();
// How long loading the .node takes (dlopen: mapping, relocations, the
// addon's own init), for the start-up measure's breakdown.
const Module = require('node:module');
let addonLoadNs = 0;
const loadNode = Module._extensions['.node'];
Module._extensions['.node'] = function timedLoad(...args) {
  const t0 = process.hrtime.bigint();
  try {
    return loadNode.apply(this, args);
  } finally {
    addonLoadNs += Number(process.hrtime.bigint() - t0);
  }
};
const { python } = require(path.join(root, 'dist', 'index.js'));

const names = (count) => `[f"bench_m{i:05d}" for i in range(${count})]`;

// Each import in its own timing, with the cyclic GC off (the same for every mode).
const IMPORT_LOOP = String.raw`
import gc, resource, sys, time, types, importlib.machinery
def bench_each(fn, names):
    clock = time.perf_counter_ns
    out = []
    gc.disable()
    try:
        for name in names:
            t0 = clock()
            fn(name)
            out.append(clock() - t0)
    finally:
        gc.enable()
    return out

def bench_faults(fn, names):
    # Like bench_each, with the minor page faults each call took (counted
    # outside the timed part): whether the slow calls are the faulting ones.
    usage, me, clock = resource.getrusage, resource.RUSAGE_SELF, time.perf_counter_ns
    out = []
    gc.disable()
    try:
        for name in names:
            f0 = usage(me).ru_minflt
            t0 = clock()
            fn(name)
            t1 = clock()
            out.append((t1 - t0, usage(me).ru_minflt - f0))
    finally:
        gc.enable()
    return out

class FloorFinder:
    """The import system's own cost: find_spec and create_module hand out
    prebuilt objects in import order, without looking anything up."""
    def __init__(self, names):
        self.specs = iter([importlib.machinery.ModuleSpec(n, self) for n in names])
        self.modules = iter([types.ModuleType(n) for n in names])
    def find_spec(self, name, path=None, target=None):
        return next(self.specs)
    def create_module(self, spec):
        return next(self.modules)
    def exec_module(self, module):
        pass
`;

const measures = {
  /**
   * Each of `count` modules imported once, through the finder or the
   * inittab; with `hugePages`, pymalloc's arenas in huge pages.
   */
  imports({ register, count, hugePages = false }) {
    python.configure({ register, hugePages });
    const py = python.main;
    py.exec(IMPORT_LOOP);
    const ns = py.eval(`bench_each(__import__, ${names(count)})`);
    const check = py.eval(`all(sys.modules[n].INDEX == i for i, n in enumerate(${names(count)}))`);
    if (!check) throw new Error('an import returned the wrong module');
    return { ns };
  },

  /** The same import statement through FloorFinder. */
  floor({ count }) {
    const py = python.main;
    py.exec(IMPORT_LOOP);
    py.exec(`sys.meta_path.insert(0, FloorFinder(${names(count)}))`);
    const ns = py.eval(`bench_each(__import__, ${names(count)})`);
    if (!py.eval(`all(sys.modules[n].__name__ == n for n in ${names(count)})`)) throw new Error('the floor finder served the wrong module');
    return { ns };
  },

  /**
   * Each import's time and page faults: static (`register` 'fast', or
   * 'inittab': CPython's own path to the same init functions), or, with
   * `floor`, the floor's.
   */
  tail({ count, floor, register }) {
    if (register) python.configure({ register });
    const py = python.main;
    py.exec(IMPORT_LOOP);
    if (floor) py.exec(`sys.meta_path.insert(0, FloorFinder(${names(count)}))`);
    return { rows: py.eval(`bench_faults(__import__, ${names(count)})`) };
  },

  /**
   * Lookup alone (find_spec), and create+exec without the import system, for
   * the finder or the inittab (BuiltinImporter, CPython's _imp functions).
   */
  parts({ register, count }) {
    python.configure({ register });
    const py = python.main;
    py.exec(IMPORT_LOOP);
    py.exec(register === 'inittab'
      ? 'import _imp\nFINDER = importlib.machinery.BuiltinImporter\ndef create_exec(spec):\n    m = _imp.create_builtin(spec)\n    _imp.exec_builtin(m)'
      : 'FINDER = sys.meta_path[0]\ndef create_exec(spec):\n    m = FINDER.create_module(spec)\n    FINDER.exec_module(m)');
    const lookup = py.eval(`bench_each(lambda n: FINDER.find_spec(n, None), ${names(count)})`);
    py.exec(`SPECS = [FINDER.find_spec(n, None) for n in ${names(count)}]`);
    const createExec = py.eval('bench_each(create_exec, SPECS)');
    return { lookup, createExec };
  },

  /** From the start of this process to the first eval's answer. */
  startup() {
    python.main.eval('1');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // Page faults are the start-up's deterministic part (time here is noisy).
    const { minorPageFault, majorPageFault } = process.resourceUsage();
    return { ms, addonLoadMs: addonLoadNs / 1e6, faults: minorPageFault + majorPageFault, modules: python.staticModules().length };
  },

  /** CPU-bound pure Python on one and on two interpreters, through the async API. */
  async parallel({ work }) {
    const code = 'def spin(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s';
    const make = (preset) => {
      const i = python.createInterpreter(preset);
      i.exec(code);
      return i;
    };
    const time = async (f) => {
      const t0 = process.hrtime.bigint();
      await f();
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const one = make('isolated');
    const [a, b] = [make('isolated'), make('isolated')];
    const [c, d] = [make('legacy'), make('legacy')];
    await Promise.all([one, a, b, c, d].map((i) => i.callAsync('spin', 1000))); // warm
    // Alternating rounds, the fastest of each: noise on this machine only adds time.
    const ms = { sequential: [], ownGil: [], sharedGil: [] };
    for (let round = 0; round < 4; round++) {
      ms.sequential.push(await time(async () => { await one.callAsync('spin', work); await one.callAsync('spin', work); }));
      ms.ownGil.push(await time(() => Promise.all([a.callAsync('spin', work), b.callAsync('spin', work)])));
      ms.sharedGil.push(await time(() => Promise.all([c.callAsync('spin', work), d.callAsync('spin', work)])));
    }
    const [sequential, ownGil, sharedGil] = [ms.sequential, ms.ownGil, ms.sharedGil].map((xs) => Math.min(...xs));
    for (const i of [one, a, b, c, d]) i.close();
    return { sequential, ownGil, sharedGil };
  },

  /** A sync call round trip, and a 1 MB Buffer to bytes and back. */
  async calls({ iterations, bufferIterations, callbacks, asyncCallbacks, moduleDir }) {
    const py = python.main;
    py.call('sys.path.insert', 0, moduleDir);
    py.exec('import bench_calls, operator');
    const time = nsPerCall;
    const buffer = Buffer.alloc(1 << 20, 7);
    const callNs = time(iterations, () => py.call('operator.add', 1, 2));
    const moduleCallNs = time(iterations, () => py.call('bench_calls.add', 1, 2));
    const bufferNs = time(bufferIterations, () => py.call('bench_calls.echo', buffer));
    // The floor for a round trip that must copy twice: two plain 1 MB copies.
    const twoCopiesNs = time(bufferIterations, () => Buffer.from(Buffer.from(buffer)));
    const back = py.call('bench_calls.echo', buffer);
    if (!Buffer.isBuffer(back) || !back.equals(buffer)) throw new Error('the buffer did not come back as it went');
    const callbacksNs = await timeCallbacks((name, ...a) => py.call(`bench_calls.${name}`, ...a),
      (name, ...a) => py.callAsync(`bench_calls.${name}`, ...a), callbacks, asyncCallbacks);
    return { callNs, moduleCallNs, bufferNs, twoCopiesNs, ...callbacksNs };
  },

  /** Create+close cycles, and the memory an idle interpreter holds. */
  subinterpreters({ cycles, idle, presets }) {
    const out = {};
    for (const preset of presets) {
      python.createInterpreter(preset).close(); // warm
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < cycles; i++) python.createInterpreter(preset).close();
      const cycleUs = Number(process.hrtime.bigint() - t0) / cycles / 1e3;
      global.gc?.();
      const before = process.memoryUsage().rss;
      const held = Array.from({ length: idle }, () => python.createInterpreter(preset));
      const rssKb = (process.memoryUsage().rss - before) / idle / 1024;
      for (const i of held) i.close();
      out[preset] = { cycleUs, rssKb };
    }
    return out;
  },
};

(async () => {
  const [measure, json] = process.argv.slice(2);
  const result = await measures[measure](JSON.parse(json || '{}'));
  process.stdout.write(`\nBENCH-RESULT ${JSON.stringify(result)}\n`);
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
