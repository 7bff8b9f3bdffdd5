// A peer doing what scripts/bench/child.cjs's calls measurement does, in a
// process of its own:  node peer-child.cjs <peer> <peer folder> '<json>'
'use strict';
const path = require('node:path');

const { nsPerCall, timeCallbacks } = require('./loop-timer.cjs');

/**
 * Each peer's way to import bench_calls.py and to call one of its functions,
 * synchronously (the result converted to JS, as static-py's call does) and
 * on a thread of the peer's (a Promise).
 */
const drivers = {
  'node-calls-python': async (dir, moduleDir) => {
    const py = require(path.join(dir, 'node_modules', 'node-calls-python')).interpreter;
    const mod = await py.import(path.join(moduleDir, 'bench_calls.py'));
    return { callSync: (name, ...args) => py.callSync(mod, name, ...args), callAsync: (name, ...args) => py.call(mod, name, ...args) };
  },
  pymport: async (dir, moduleDir) => {
    const { pymport } = require(path.join(dir, 'node_modules', 'pymport'));
    pymport('sys').get('path').get('insert').call(0, moduleDir);
    const mod = pymport('bench_calls');
    const fns = new Map();
    const fn = (name) => fns.get(name) || fns.set(name, mod.get(name)).get(name);
    return {
      callSync: (name, ...args) => fn(name).call(...args).toJS(),
      callAsync: async (name, ...args) => (await fn(name).callAsync(...args)).toJS(),
    };
  },
};

(async () => {
  const [peer, dir, json] = process.argv.slice(2);
  const { iterations, bufferIterations, callbacks, asyncCallbacks, moduleDir } = JSON.parse(json);
  const py = await drivers[peer](dir, moduleDir);
  const time = nsPerCall;
  const buffer = Buffer.alloc(1 << 20, 7);
  if (py.callSync('add', 1, 2) !== 3) throw new Error('add(1, 2) is not 3');
  const callNs = time(iterations, () => py.callSync('add', 1, 2));
  // A peer that does not give the bytes back (as something Buffer.from
  // takes) is not timed on it.
  let back;
  try { back = Buffer.from(py.callSync('echo', buffer)); } catch { back = null; }
  const bufferNs = back?.equals(buffer) ? time(bufferIterations, () => py.callSync('echo', buffer)) : null;
  const callbacksNs = await timeCallbacks(py.callSync, py.callAsync, callbacks, asyncCallbacks);
  process.stdout.write(`\nBENCH-RESULT ${JSON.stringify({ callNs, bufferNs, ...callbacksNs })}\n`);
  process.exit(0);
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
