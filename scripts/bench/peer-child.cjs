// node-calls-python doing what scripts/bench/child.cjs's calls measurement
// does, in a process of its own:  node peer-child.cjs <peer folder> '<json>'
'use strict';
const path = require('node:path');

const { nsPerCall } = require('./loop-timer.cjs');

(async () => {
  const [dir, json] = process.argv.slice(2);
  const { iterations, bufferIterations, callbacks, asyncCallbacks, moduleDir } = JSON.parse(json);
  const py = require(path.join(dir, 'node_modules', 'node-calls-python')).interpreter;
  const mod = await py.import(path.join(moduleDir, 'bench_calls.py'));
  const time = nsPerCall;
  const buffer = Buffer.alloc(1 << 20, 7);
  if (py.callSync(mod, 'add', 1, 2) !== 3) throw new Error('add(1, 2) is not 3');
  const back = Buffer.from(py.callSync(mod, 'echo', buffer));
  if (!back.equals(buffer)) throw new Error('the buffer did not come back as it went');
  const callNs = time(iterations, () => py.callSync(mod, 'add', 1, 2));
  const bufferNs = time(bufferIterations, () => py.callSync(mod, 'echo', buffer));
  let sum = 0;
  const f = (i) => (sum += i, i);
  py.callSync(mod, 'call_n', f, 1000);
  let t0 = process.hrtime.bigint();
  py.callSync(mod, 'call_n', f, callbacks);
  const callbackNs = Number(process.hrtime.bigint() - t0) / callbacks;
  await py.call(mod, 'call_n', f, 1000);
  t0 = process.hrtime.bigint();
  await py.call(mod, 'call_n', f, asyncCallbacks);
  const asyncCallbackNs = Number(process.hrtime.bigint() - t0) / asyncCallbacks;
  process.stdout.write(`\nBENCH-RESULT ${JSON.stringify({ callNs, bufferNs, callbackNs, asyncCallbackNs })}\n`);
  process.exit(0);
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
