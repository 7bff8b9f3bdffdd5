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

module.exports = { nsPerCall };
