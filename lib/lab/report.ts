// The lab's outputs: a table for the terminal, lab-results.json, a markdown
// report and an SVG matrix (scenario x variant rows; per build, a column per
// loader side by side; cells coloured by outcome).
import fs from 'node:fs';
import path from 'node:path';

import type { LoaderName } from './context.js';
import type { LabBuildReport, LabResult } from './runner.js';
import { SCENARIOS, type Status } from './scenarios.js';
import { type Variant, VARIANTS } from './variants.js';
import type { Verdict } from './verdict.js';

export interface LabReport {
  generatedAt: string;
  loaders: readonly LoaderName[];
  scenarios: string[];
  variants: string[];
  builds: LabBuildReport[];
  results: LabResult[];
  /** The variants that are not static-py's own test extensions (a user's modules). */
  userVariants?: Variant[];
  /** The exercise expressions the run evaluated. */
  exercise?: string[];
  /** For a user's modules: the answer per build, in plain words (lib/lab/verdict.ts). */
  verdicts?: Verdict[];
}

const variantsOf = (report: LabReport): Variant[] => [...VARIANTS, ...(report.userVariants ?? [])].filter((v) => report.variants.includes(v.id));

/** The verdicts as lines: one per module and build, each sentence's cells below it. */
export function verdictLines(report: LabReport, { cells = true } = {}): string[] {
  const out: string[] = [];
  for (const v of report.verdicts ?? []) {
    out.push(`${v.variant} on ${v.build}: ${v.summary}`);
    if (cells) for (const s of v.sentences) out.push(`    ${s.text}  [${s.cells.join(', ')}]`);
  }
  return out;
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
  timeout: 'the process did not answer in time, or made no progress (stuck)',
  'n/a': 'does not apply to this build',
};

const rowsOf = (report: LabReport) =>
  report.scenarios.flatMap((scenario) => report.variants.map((variant) => ({ scenario, variant })));

const find = (report: LabReport, build: string, scenario: string, variant: string, loader: LoaderName) =>
  report.results.find((r) => r.build === build && r.scenario === scenario && r.variant === variant && r.loader === loader);

const builtTags = (report: LabReport) => report.builds.filter((b) => b.tag).map((b) => b.tag!);

/** `text` in lines of at most `width` characters, broken at spaces where it can be. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 3 ? space : width;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  return [...lines, rest];
}

/** Loader columns narrower than this read badly: one line per cell instead. */
const MIN_CELL_WIDTH = 28;

/**
 * One table per build: rows scenario x variant, a column per loader, each
 * cell wrapped to fit `width` (the terminal's); where the columns would be
 * too narrow, one line per cell. Nothing is ever cut off.
 */
export function terminalTable(report: LabReport, width = process.stdout.columns || 160): string {
  const out: string[] = report.verdicts?.length ? ['Verdicts:', ...verdictLines(report).map((l) => `  ${l}`)] : [];
  const text = (r: LabResult | undefined) => (r ? `${r.status === 'ok' ? '' : `[${r.status}] `}${r.cell}` : '');
  const scenarioW = 22;
  const variantW = Math.min(24, Math.max(8, ...report.variants.map((v) => v.length)));
  // Columns are joined by ' │ ': one separator fewer than columns.
  const cellW = Math.floor((width - scenarioW - variantW - 3 * (report.loaders.length + 1)) / report.loaders.length);
  for (const build of report.builds) {
    if (!build.tag) {
      out.push(`\n${build.label}: not run: ${build.error}`);
      continue;
    }
    out.push(`\n${build.tag} (Python ${build.version}, ${build.python})`);
    if (cellW < MIN_CELL_WIDTH) {
      for (const { scenario, variant } of rowsOf(report)) {
        for (const loader of report.loaders) {
          const [first, ...rest] = wrap(`${scenario} · ${variant} · ${loader}: ${text(find(report, build.tag, scenario, variant, loader))}`, width);
          out.push(first!, ...wrap(rest.join(' '), width - 4).filter(Boolean).map((l) => `    ${l}`));
        }
      }
      continue;
    }
    const row = (cells: string[][]) => {
      const height = Math.max(...cells.map((c) => c.length));
      for (let i = 0; i < height; i++) {
        const [first, second, ...rest] = cells.map((c) => c[i] ?? '');
        out.push([first!.padEnd(scenarioW), second!.padEnd(variantW), ...rest.map((c) => c.padEnd(cellW))].join(' │ ').trimEnd());
      }
    };
    row([['scenario'], ['variant'], ...report.loaders.map((l) => [l])]);
    let previous = '';
    for (const { scenario, variant } of rowsOf(report)) {
      if (scenario !== previous) out.push('─'.repeat(Math.min(width, scenarioW + variantW + report.loaders.length * (cellW + 3) + 3)));
      previous = scenario;
      row([wrap(scenario, scenarioW), wrap(variant, variantW), ...report.loaders.map((loader) => wrap(text(find(report, build.tag!, scenario, variant, loader)), cellW))]);
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
    ...variantsOf(report).map((v) => `- \`${v.id}\`: ${v.label} (\`${v.module}\`)`),
    '',
    ...(report.exercise?.length ? ['Exercised with (the module as `m`): ' + report.exercise.map((e) => `\`${e}\``).join(', '), ''] : []),
    'Scenarios:',
    '',
    ...SCENARIOS.filter((s) => report.scenarios.includes(s.id)).map((s) => `- \`${s.id}\`: ${s.question}`),
    '',
    'Outcomes: ' + (Object.keys(STATUS_MEANING) as Status[]).map((s) => `**${s}**: ${STATUS_MEANING[s]}`).join('; ') + '.',
    '',
  ];
  if (report.verdicts?.length) {
    out.push('## Verdicts', '');
    for (const v of report.verdicts) {
      out.push(`- **${v.variant}** on \`${v.build}\`: ${v.summary}`);
      for (const sentence of v.sentences) out.push(`  - ${sentence.text} (${sentence.cells.map((c) => `\`${c}\``).join(', ')})`);
    }
    out.push('');
  }
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
 * The matrix as an image: rows are scenario x variant; for each build, one
 * column per loader side by side (cpython | isolated | dynamic), so that
 * static-py and CPython's own loader are next to each other. A cell is
 * coloured by outcome and shows its gist; hover it for the whole cell.
 */
export function svg(report: LabReport): string {
  const tags = builtTags(report);
  const rows = rowsOf(report);
  const loaders = report.loaders;
  const cellW = 104;
  const cellH = 18;
  const groupGap = 10;
  const labelW = 240;
  const headerH = 40;
  const legendH = 40;
  const groupW = loaders.length * cellW + groupGap;
  const x0 = 10;
  const y0 = 10;
  const width = Math.max(x0 * 2 + labelW + tags.length * groupW, 760);
  const height = y0 + headerH + rows.length * cellH + legendH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  tags.forEach((tag, g) => {
    const gx = x0 + labelW + g * groupW;
    parts.push(`<text x="${gx + (loaders.length * cellW) / 2}" y="${y0 + 14}" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(tag)}</text>`);
    loaders.forEach((loader, l) => {
      parts.push(`<text x="${gx + l * cellW + cellW / 2}" y="${y0 + 32}" text-anchor="middle" font-weight="bold">${escapeXml(loader)}</text>`);
    });
  });
  rows.forEach(({ scenario, variant }, r) => {
    const y = y0 + headerH + r * cellH;
    if (r > 0 && rows[r - 1]!.scenario !== scenario) {
      parts.push(`<line x1="${x0}" y1="${y - 1}" x2="${width - x0}" y2="${y - 1}" stroke="#888"/>`);
    }
    parts.push(`<text x="${x0}" y="${y + 12}">${escapeXml(`${scenario} · ${variant}`)}</text>`);
    tags.forEach((tag, g) => {
      loaders.forEach((loader, l) => {
        const result = find(report, tag, scenario, variant, loader);
        const status: Status = result?.status ?? 'n/a';
        const x = x0 + labelW + g * groupW + l * cellW;
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
