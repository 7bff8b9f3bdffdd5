// What npm run bench prints and writes: statistics, the targets with met or
// not, a table, bench-results.json, and SVG plots (per-import time against
// position in the table: the seed thread's picture).
import fs from 'node:fs';
import path from 'node:path';

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** total (ms), mean/p50/p99 (µs) of per-item nanoseconds. */
export function summarize(ns) {
  return {
    count: ns.length,
    totalMs: ns.reduce((a, b) => a + b, 0) / 1e6,
    meanUs: mean(ns) / 1e3,
    p50Us: quantile(ns, 0.5) / 1e3,
    p99Us: quantile(ns, 0.99) / 1e3,
  };
}

/** Mean of the last window over the mean of the first (1,000 items, or a tenth for small runs). */
export function drift(ns) {
  const w = Math.max(1, Math.min(1000, Math.floor(ns.length / 10)));
  return { window: w, ratio: mean(ns.slice(-w)) / mean(ns.slice(0, w)) };
}

/** Mean per bin of `bins` equal position ranges, in µs. */
export function binned(ns, bins = 100) {
  const size = Math.max(1, Math.ceil(ns.length / bins));
  const out = [];
  for (let i = 0; i < ns.length; i += size) out.push({ position: i + size / 2, us: mean(ns.slice(i, i + size)) / 1e3 });
  return out;
}

const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(digits));

/** One target: what it asks, what was measured, and whether it was met. */
export function target(name, wanted, measured, met, detail = '') {
  return { name, wanted, measured, met, detail };
}

export function table(run) {
  const lines = [`\n${run.build} (Python ${run.version}), ${run.modules} synthetic modules`];
  const row = (label, s) => lines.push(`  ${label.padEnd(34)} total ${fmt(s.totalMs, 1).padStart(9)} ms   mean ${fmt(s.meanUs).padStart(8)} µs   p50 ${fmt(s.p50Us).padStart(8)} µs   p99 ${fmt(s.p99Us).padStart(8)} µs`);
  if (run.imports) {
    row('import, static (fast path)', run.imports.static);
    if (run.imports.staticHuge) row('  the same, hugePages: true', run.imports.staticHuge);
    if (run.imports.finder) row('import, static through importlib', run.imports.finder);
    row('import, inittab (CPython)', run.imports.inittab);
    row('import, floor (prebuilt objects)', run.imports.floor);
    row('find_spec, static finder', run.parts.static.lookup);
    row('find_spec, BuiltinImporter', run.parts.inittab.lookup);
    row('create+exec, static finder', run.parts.static.createExec);
    row('create+exec, _imp (inittab)', run.parts.inittab.createExec);
    if (run.tail) {
      for (const [label, t] of [['static', run.tail.static], ['inittab', run.tail.inittab], ['floor', run.tail.floor]].filter(([, t]) => t)) {
        lines.push(`  tail, ${label.padEnd(7)} (page faults)      ${t.faultedImports} of ${t.count} imports took ${t.faults} minor faults (mean ${fmt(t.faultedMeanUs)} µs); ` +
          `p99 ${fmt(t.p99Us)} µs, ${fmt(t.cleanP99Us)} µs without them`);
      }
    }
  }
  if (run.startup) {
    const { modules, runs, ms, medianMs, loadMs, faults } = run.startup;
    const three = (o, unit, digits = 2) => `0 modules ${fmt(o.empty, digits)}${unit}, ${modules} linked without a table ${fmt(o.bare, digits)}${unit}, ${modules} in the table ${fmt(o.full, digits)}${unit}`;
    lines.push(`  start-up (require → first eval)    ${three(ms, ' ms')} (fastest of ${runs}; medians ${fmt(medianMs.empty)}, ${fmt(medianMs.bare)}, ${fmt(medianMs.full)})`);
    lines.push(`    of which loading the .node       ${three(loadMs, ' ms')}`);
    lines.push(`    page faults                      ${three(faults, '', 0)}`);
  }
  if (run.parallel) {
    const p = run.parallel;
    lines.push(`  CPU-bound, 2 tasks                 1 interpreter ${fmt(p.sequential, 0)} ms, 2 own-GIL ${fmt(p.ownGil, 0)} ms (×${fmt(p.sequential / p.ownGil)}), 2 shared-GIL ${fmt(p.sharedGil, 0)} ms (×${fmt(p.sequential / p.sharedGil)})`);
    if (p.processes) lines.push(`  the machine, 2 tasks               1 process at a time ${fmt(p.processes.sequential, 0)} ms, 2 processes ${fmt(p.processes.parallel, 0)} ms (×${fmt(p.processes.sequential / p.processes.parallel)})`);
  }
  if (run.calls) {
    const c = run.calls;
    const each = (key) => c.peers.filter((p) => p[key] != null).map((p) => `, ${p.name} ${fmt(p[key] / 1e3)} µs`).join('');
    lines.push(`  call('operator.add', 1, 2)         static-py ${fmt(c.staticPy.callNs / 1e3)} µs (same-module call ${fmt(c.staticPy.moduleCallNs / 1e3)} µs)${each('callNs')}`);
    lines.push(`  1 MB Buffer ⇄ bytes                static-py ${fmt(c.staticPy.bufferNs / 1e3)} µs${each('bufferNs')}, two plain 1 MB copies in JS ${fmt(c.staticPy.twoCopiesNs / 1e3)} µs`);
    lines.push(`  Python → JS callback, sync         static-py ${fmt(c.staticPy.callbackNs / 1e3)} µs${each('callbackNs')}`);
    lines.push(`  Python → JS callback, async thread static-py ${fmt(c.staticPy.asyncCallbackNs / 1e3)} µs${each('asyncCallbackNs')}`);
    for (const e of c.peerErrors) lines.push(`  (${e})`);
  }
  if (run.subinterpreters?.capiError) lines.push(`  (the C API baseline could not be built: ${run.subinterpreters.capiError})`);
  if (run.subinterpreters) {
    for (const [preset, s] of Object.entries(run.subinterpreters.staticPy)) {
      const c = run.subinterpreters.capi[preset];
      lines.push(`  subinterpreter, ${preset.padEnd(9)}         create+close ${fmt(s.cycleUs, 0)} µs (C API ${fmt(c?.cycleUs, 0)} µs), idle ${fmt(s.rssKb, 0)} KiB (C API ${fmt(c?.rssKb, 0)} KiB)`);
    }
  }
  lines.push('  targets:');
  for (const t of run.targets) lines.push(`    ${t.met ? 'met    ' : t.met === false ? 'NOT MET' : 'n/a    '} ${t.name}: wanted ${t.wanted}, measured ${t.measured}${t.detail ? ` (${t.detail})` : ''}`);
  return lines.join('\n');
}

const escapeXml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Per-import time against position, log scale: one line per series. */
export function positionPlot(run) {
  const series = [
    { label: 'inittab (CPython)', colour: '#d32f2f', points: binned(run.raw.inittab) },
    ...(run.raw.finder ? [{ label: 'static-py through importlib', colour: '#7b1fa2', points: binned(run.raw.finder) }] : []),
    { label: 'static-py fast path', colour: '#1976d2', points: binned(run.raw.static) },
    { label: 'floor (prebuilt objects)', colour: '#757575', points: binned(run.raw.floor) },
  ];
  const W = 760, H = 420, L = 70, R = 20, T = 40, B = 50;
  const all = series.flatMap((s) => s.points.map((p) => p.us)).filter((u) => u > 0);
  const lo = Math.log10(Math.min(...all)) - 0.1, hi = Math.log10(Math.max(...all)) + 0.1;
  const x = (pos) => L + (pos / run.modules) * (W - L - R);
  const y = (us) => T + (1 - (Math.log10(us) - lo) / (hi - lo)) * (H - T - B);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14" font-weight="bold">${escapeXml(`Per-import time by position in the table: ${run.build}, ${run.modules} modules`)}</text>`];
  for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
    const us = 10 ** d;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(us)}" y2="${y(us)}" stroke="#e0e0e0"/>`,
      `<text x="${L - 6}" y="${y(us) + 4}" text-anchor="end">${us >= 1000 ? `${us / 1000} ms` : `${us} µs`}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const pos = Math.round((run.modules * i) / 4);
    parts.push(`<text x="${x(pos)}" y="${H - B + 16}" text-anchor="middle">${pos}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">position of the module in the table (import order)</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.position).toFixed(1)},${y(Math.max(p.us, 10 ** lo)).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
      `<rect x="${L + 10 + i * 190}" y="${T - 8}" width="12" height="3" fill="${s.colour}"/>`,
      `<text x="${L + 26 + i * 190}" y="${T - 3}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Each target's measured value against what it asks, as horizontal bars (1.0 = the target). */
export function targetsPlot(runs) {
  const rows = runs.flatMap((r) => r.targets.filter((t) => typeof t.score === 'number').map((t) => ({ ...t, build: r.build })));
  const W = 760, rowH = 22, L = 330, T = 40, H = T + rows.length * rowH + 30;
  const max = Math.max(2, ...rows.map((r) => r.score));
  const x = (v) => L + (v / max) * (W - L - 20);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Targets: measured / wanted (right of the line is met)</text>`,
    `<line x1="${x(1)}" x2="${x(1)}" y1="${T - 6}" y2="${H - 24}" stroke="#333" stroke-dasharray="4 3"/>`];
  rows.forEach((r, i) => {
    const yy = T + i * rowH;
    parts.push(`<text x="10" y="${yy + 13}">${escapeXml(`${r.build}: ${r.name}`)}</text>`,
      `<rect x="${L}" y="${yy + 3}" width="${Math.max(1, x(Math.min(r.score, max)) - L)}" height="${rowH - 8}" fill="${r.met ? '#66bb6a' : '#ef5350'}"/>`,
      `<text x="${x(Math.min(r.score, max)) + 4}" y="${yy + 13}">${escapeXml(r.measured)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes bench-results.json and the plots into `dir`; returns the files. */
export function writeBench(runs, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const files = { 'bench-results.json': JSON.stringify({ generatedAt: new Date().toISOString(), runs: runs.map(({ raw, ...r }) => r) }, null, 2) };
  for (const r of runs.filter((x) => x.raw)) files[`bench-imports-${r.build}.svg`] = positionPlot(r);
  files['bench-targets.svg'] = targetsPlot(runs);
  return Object.entries(files).map(([name, text]) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  });
}
