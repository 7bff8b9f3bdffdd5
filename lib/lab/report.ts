// The lab's outputs: a table for the terminal, lab-results.json, a markdown
// report and an SVG matrix (scenario x variant rows, one column per build,
// one panel per loader, cells coloured by outcome).
import fs from 'node:fs';
import path from 'node:path';

import type { LoaderName } from './context.js';
import type { LabBuildReport, LabResult } from './runner.js';
import { SCENARIOS, type Status } from './scenarios.js';
import { VARIANTS } from './variants.js';

export interface LabReport {
  generatedAt: string;
  loaders: readonly LoaderName[];
  scenarios: string[];
  variants: string[];
  builds: LabBuildReport[];
  results: LabResult[];
}

export const STATUS_COLOURS: Record<Status, string> = {
  ok: '#c8e6c9',
  shared: '#ffcc80',
  refused: '#bbdefb',
  error: '#ef9a9a',
  crash: '#b71c1c',
  timeout: '#ce93d8',
  'n/a': '#eeeeee',
};

export const STATUS_MEANING: Record<Status, string> = {
  ok: 'the import worked; the cell says how',
  shared: 'a module got objects of another interpreter, or of the same extension under another name (the m_copy problem)',
  refused: 'CPython refused the import on purpose (no subinterpreter support)',
  error: 'the import or the scenario failed',
  crash: 'the process died (the signal and the end of stderr are in lab-results.json)',
  timeout: 'the process did not answer in time',
  'n/a': 'does not apply to this build',
};

const rowsOf = (report: LabReport) =>
  report.scenarios.flatMap((scenario) => report.variants.map((variant) => ({ scenario, variant })));

const find = (report: LabReport, build: string, scenario: string, variant: string, loader: LoaderName) =>
  report.results.find((r) => r.build === build && r.scenario === scenario && r.variant === variant && r.loader === loader);

const builtTags = (report: LabReport) => report.builds.filter((b) => b.tag).map((b) => b.tag!);

/** One table per build: rows scenario x variant, a column per loader. */
export function terminalTable(report: LabReport): string {
  const out: string[] = [];
  for (const build of report.builds) {
    if (!build.tag) {
      out.push(`\n${build.label}: not run: ${build.error}`);
      continue;
    }
    out.push(`\n${build.tag} (Python ${build.version}, ${build.python})`);
    const widths = [24, 6, ...report.loaders.map(() => 46)];
    const line = (cells: string[]) => cells.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join(' ');
    out.push(line(['scenario', 'variant', ...report.loaders]));
    for (const { scenario, variant } of rowsOf(report)) {
      const cells = report.loaders.map((loader) => {
        const r = find(report, build.tag!, scenario, variant, loader);
        return r ? `${r.status === 'ok' ? '' : `[${r.status}] `}${r.cell}` : '';
      });
      out.push(line([scenario, variant, ...cells]));
    }
  }
  return out.join('\n');
}

const escapeMd = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdown(report: LabReport): string {
  const tags = builtTags(report);
  const out = [
    '# static-py lab: extension modules across re-imports and interpreters',
    '',
    `Generated ${report.generatedAt}. Rows are scenario × variant, columns are CPython builds; each cell is one run in a`,
    'fresh process and says what happened. Variants:',
    '',
    ...VARIANTS.filter((v) => report.variants.includes(v.id)).map((v) => `- \`${v.id}\`: ${v.label} (\`${v.module}\`)`),
    '',
    'Scenarios:',
    '',
    ...SCENARIOS.filter((s) => report.scenarios.includes(s.id)).map((s) => `- \`${s.id}\`: ${s.question}`),
    '',
    'Outcomes: ' + (Object.keys(STATUS_MEANING) as Status[]).map((s) => `**${s}**: ${STATUS_MEANING[s]}`).join('; ') + '.',
    '',
  ];
  for (const b of report.builds.filter((x) => !x.tag)) out.push(`Not run: ${b.label}: ${escapeMd(b.error ?? '')}`, '');
  for (const loader of report.loaders) {
    out.push(`## Loader: ${loader}`, '');
    out.push(`| scenario | variant | ${tags.join(' | ')} |`, `|---|---|${tags.map(() => '---').join('|')}|`);
    for (const { scenario, variant } of rowsOf(report)) {
      const cells = tags.map((tag) => {
        const r = find(report, tag, scenario, variant, loader);
        return r ? escapeMd(`${r.status === 'ok' ? '' : `**${r.status}**: `}${r.cell}`) : '';
      });
      out.push(`| ${scenario} | ${variant} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The matrix as an image: one panel per loader, stacked; rows are scenario x
 * variant, columns builds. A cell is coloured by outcome and shows its gist;
 * hover it for the whole cell.
 */
export function svg(report: LabReport): string {
  const tags = builtTags(report);
  const rows = rowsOf(report);
  const cellW = 118;
  const cellH = 18;
  const labelW = 240;
  const titleH = 24;
  const headerH = 20;
  const panelH = titleH + headerH + rows.length * cellH;
  const panelGap = 24;
  const legendH = 40;
  const width = Math.max(20 + labelW + tags.length * cellW, 760);
  const height = 10 + report.loaders.length * (panelH + panelGap) + legendH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  report.loaders.forEach((loader, p) => {
    const y0 = 10 + p * (panelH + panelGap);
    const x0 = 10;
    parts.push(`<text x="${x0}" y="${y0 + 16}" font-size="14" font-weight="bold">loader: ${escapeXml(loader)}</text>`);
    tags.forEach((tag, c) => {
      parts.push(`<text x="${x0 + labelW + c * cellW + cellW / 2}" y="${y0 + titleH + 13}" text-anchor="middle" font-weight="bold">${escapeXml(tag)}</text>`);
    });
    rows.forEach(({ scenario, variant }, r) => {
      const y = y0 + titleH + headerH + r * cellH;
      if (r > 0 && rows[r - 1]!.scenario !== scenario) {
        parts.push(`<line x1="${x0}" y1="${y - 1}" x2="${x0 + labelW + tags.length * cellW}" y2="${y - 1}" stroke="#888"/>`);
      }
      parts.push(`<text x="${x0}" y="${y + 12}">${escapeXml(`${scenario} · ${variant}`)}</text>`);
      tags.forEach((tag, c) => {
        const result = find(report, tag, scenario, variant, loader);
        const status: Status = result?.status ?? 'n/a';
        const x = x0 + labelW + c * cellW;
        const gist = result?.short ?? (result?.signal ? `crash ${result.signal}` : status);
        parts.push(`<g><title>${escapeXml(`${tag} · ${scenario} · ${variant} · ${loader} [${status}]: ${result?.cell ?? 'not run'}`)}</title>` +
          `<rect x="${x}" y="${y}" width="${cellW - 2}" height="${cellH - 2}" fill="${STATUS_COLOURS[status]}"/>` +
          `<text x="${x + (cellW - 2) / 2}" y="${y + 12}" text-anchor="middle" fill="${status === 'crash' ? 'white' : 'black'}">${escapeXml(gist)}</text></g>`);
      });
    });
  });
  const legendY = height - legendH + 10;
  (Object.keys(STATUS_COLOURS) as Status[]).forEach((status, i) => {
    const x = 10 + i * 100;
    parts.push(`<rect x="${x}" y="${legendY}" width="14" height="14" fill="${STATUS_COLOURS[status]}" stroke="#999"/>`,
      `<text x="${x + 18}" y="${legendY + 11}">${status}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes lab-results.json, lab-report.md and lab-matrix.svg into `dir`. */
export function writeReport(report: LabReport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    'lab-results.json': JSON.stringify(report, null, 2),
    'lab-report.md': markdown(report),
    'lab-matrix.svg': svg(report),
  };
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}
