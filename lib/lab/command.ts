// `static-py lab`: runs the catalogue and writes the reports.
//   static-py lab                  the default build's Python
//   static-py lab --python PATH    that Python (a lab build is made if needed); repeatable
//   static-py lab --all            every CPython on the machine
//   --scenario a,b  --variant x,y  --loader cpython,isolated,dynamic  --out DIR  --jobs N  --timeout S
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { packageRoot, selectBuild } from '../binding.js';
import { LOADERS, type LoaderName } from './context.js';
import { type LabReport, terminalTable, writeReport } from './report.js';
import { LAB_TIMEOUT_MS, type LabTarget, runLab } from './runner.js';
import { SCENARIOS } from './scenarios.js';
import { VARIANTS } from './variants.js';

class UsageError extends Error {}

function usage(): string {
  const row = (id: string, text: string) => `  ${id.padEnd(24)}${text}`;
  return `usage: static-py lab [--all | --python PATH...] [options]

Runs each scenario x init variant x loader in a fresh child process and
writes lab-results.json, lab-report.md and lab-matrix.svg.

  --all                   every CPython on the machine (pyenv 3.8-3.14, Debian's python3.11)
  --python PATH           this Python (repeatable); default: the build require('static-py') loads
  --scenario a,b          only these scenarios
  --variant x,y           only these init variants
  --loader a,b            cpython (CPython's caching, bugs included), isolated (m_copy per
                          interpreter), dynamic (CPython's own loader, the .so form); default: all
  --out DIR               where the reports go (default: .)
  --jobs N                children at once (default: 2)
  --timeout S             seconds before a child counts as hung (default: ${LAB_TIMEOUT_MS / 1000})
  --quiet                 no progress line

scenarios:
${SCENARIOS.map((s) => row(s.id, s.question)).join('\n')}

variants:
${VARIANTS.map((v) => row(v.id, `${v.label} (${v.module})`)).join('\n')}
`;
}

function pick<T extends { id: string }>(what: string, all: readonly T[], given: string | undefined): T[] {
  if (!given) return [...all];
  return given.split(',').map((id) => {
    const found = all.find((x) => x.id === id.trim());
    if (!found) throw new UsageError(`static-py lab: unknown ${what} '${id}'; known ${what}s: ${all.map((x) => x.id).join(', ')}`);
    return found;
  });
}

function positiveNumber(option: string, given: string | undefined, fallback: number): number {
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`static-py lab: ${option} must be a positive number, not '${given}'`);
  return n;
}

async function targetsFor(values: { all?: boolean; python?: string[] }): Promise<{ targets: LabTarget[]; missing: string[] }> {
  if (values.all && values.python) throw new UsageError('static-py lab: give --all or --python, not both');
  if (values.python) return { targets: values.python.map((python) => ({ label: `--python ${python}`, python })), missing: [] };
  if (values.all) {
    // The build's own list (scripts/lib/pythons.mjs), asked across a process boundary.
    const listed = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build.mjs'), '--list-pythons'], { encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`static-py lab: listing this machine's Pythons failed: ${(listed.stderr || String(listed.error)).trim()}`);
    const found = JSON.parse(listed.stdout) as { label: string; python: string | null; found: boolean; why?: string }[];
    return {
      targets: found.filter((p) => p.found).map((p) => ({ label: p.label, python: p.python! })),
      missing: found.filter((p) => !p.found).map((p) => `${p.label}: ${p.why}`),
    };
  }
  const python = process.env.STATIC_PY_PYTHON || (() => {
    try {
      return selectBuild().info.python.executable;
    } catch {
      return 'python3';
    }
  })();
  return { targets: [{ label: 'default', python }], missing: [] };
}

export async function labCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        all: { type: 'boolean' },
        python: { type: 'string', multiple: true },
        scenario: { type: 'string' },
        variant: { type: 'string' },
        loader: { type: 'string' },
        out: { type: 'string' },
        jobs: { type: 'string' },
        timeout: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`static-py lab: ${(e as Error).message} (static-py lab --help lists the options)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  let scenarios;
  let variants;
  let loaders: LoaderName[];
  let targets: LabTarget[];
  let missing: string[];
  let jobs: number;
  let timeoutMs: number;
  try {
    scenarios = pick('scenario', SCENARIOS, values.scenario);
    variants = pick('variant', VARIANTS, values.variant);
    loaders = pick('loader', LOADERS.map((id) => ({ id })), values.loader).map((l) => l.id as LoaderName);
    jobs = Math.ceil(positiveNumber('--jobs', values.jobs, 2));
    timeoutMs = positiveNumber('--timeout', values.timeout, LAB_TIMEOUT_MS / 1000) * 1000;
    ({ targets, missing } = await targetsFor(values));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  let lastShown = -1;
  const { builds, results } = await runLab({
    targets, scenarios, variants, loaders,
    jobs,
    timeoutMs,
    log: (m) => process.stderr.write(`${m}\n`),
    onProgress: (done, total, label) => {
      if (values.quiet) return;
      const percent = Math.floor((100 * done) / total);
      if (tty) process.stderr.write(`\r[${done}/${total}] ${label}`.padEnd(80).slice(0, 100));
      else if (percent >= lastShown + 10 || done === total) {
        lastShown = percent;
        process.stderr.write(`[${done}/${total}] ${label}\n`);
      }
    },
  });
  if (tty && !values.quiet) process.stderr.write('\n');
  for (const m of missing) builds.push({ label: m.split(':')[0]!, python: '', error: `missing: ${m.split(': ').slice(1).join(': ')}` });
  const notRun = builds.filter((b) => !b.tag);
  const list = notRun.map((b) => `  ${b.label}: ${b.error?.split('\n')[0]}`).join('\n');
  if (notRun.length === builds.length) {
    // Nothing ran: reports would only be empty tables.
    process.stdout.write(`${terminalTable({ loaders, scenarios: [], variants: [], builds, results: [], generatedAt: '' })}\n`);
    process.stderr.write(`static-py lab: no build ran, so no reports were written:\n${list}\n`);
    return 1;
  }
  const report: LabReport = {
    generatedAt: new Date().toISOString(),
    loaders,
    scenarios: scenarios.map((s) => s.id),
    variants: variants.map((v) => v.id),
    builds,
    results,
  };
  process.stdout.write(`${terminalTable(report)}\n`);
  const files = writeReport(report, path.resolve(values.out ?? '.'));
  process.stdout.write(`\nwrote ${files.join(', ')}\n`);
  if (notRun.length) {
    process.stderr.write(`static-py lab: ${notRun.length} of ${builds.length} build(s) not run:\n${list}\n`);
    return 1;
  }
  return 0;
}
