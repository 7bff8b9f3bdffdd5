// The one way both call benchmarks (ours, child.cjs, and the peer's,
// peer-child.cjs) time a loop, so that their numbers compare.
'use strict';

/** Nanoseconds per call of `f` over `n` calls, after up to 1,000 warm-up calls. */
function nsPerCall(n, f) {
  for (let i = 0; i < Math.min(1000, n); i++) f();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * Python's call_n(f, n) calling a JS function n times: nanoseconds per
 * callback, when Python runs on the JS thread (`callSync`) and on a thread
 * of the embedder's (`callAsync`, each callback queued to the JS thread and
 * waited for). Both take (name, ...args) and call bench_calls.<name>.
 */
async function timeCallbacks(callSync, callAsync, callbacks, asyncCallbacks) {
  let sum = 0;
  const f = (i) => (sum += i, i);
  const per = async (call, n) => {
    await call('call_n', f, Math.min(1000, n));
    const t0 = process.hrtime.bigint();
    await call('call_n', f, n);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  return { callbackNs: await per(callSync, callbacks), asyncCallbackNs: await per(callAsync, asyncCallbacks) };
}

module.exports = { nsPerCall, timeCallbacks };
