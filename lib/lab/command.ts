// `static-py lab` and `static-py repro`: the command lines of lib/lab/api.ts
// and lib/lab/repro.ts. Usage errors exit 2; a build that could not run,
// or (repro) a run that did not exit 0, exits 1.
import path from 'node:path';
import { parseArgs } from 'node:util';

import { LabUsageError, lab, scenariosFor } from './api.js';
import type { LoaderName } from './context.js';
import { terminalTable, writeReport } from './report.js';
import { repro, reproLine, writeReproReport } from './repro.js';
import { LAB_STUCK_MS, LAB_TIMEOUT_MS } from './runner.js';
import { VARIANTS } from './variants.js';

function labUsage(): string {
  const row = (id: string, text: string) => `  ${id.padEnd(26)}${text}`;
  return `usage: static-py lab [--all | --python PATH...] [--extensions MANIFEST [--module NAME...]] [options]

Runs each scenario x init variant x loader in a fresh child process and
writes lab-results.json, lab-report.md and lab-matrix.svg. With
--extensions, the variants are the modules of your manifest (a build with
them is made for each Python), and each gets a verdict per build.

  --all                   every CPython on the machine (pyenv 3.8-3.14, Debian's python3.11)
  --python PATH           this Python (repeatable); default: the build require('static-py') loads
  --extensions MANIFEST   your extensions (the manifest format npm install builds from)
  --module NAME           only this module of the manifest (repeatable)
  --exercise EXPR         a Python expression using your module as m, e.g. "m.escape('<')"
                          (repeatable): adds the exercise-* scenarios
  --path DIR              put DIR first on sys.path in every interpreter (repeatable)
  --scenario a,b          only these scenarios
  --variant x,y           only these of static-py's test extensions (without --extensions)
  --loader a,b            cpython (CPython's caching, bugs included), isolated (m_copy per
                          interpreter), dynamic (CPython's own loader, the .so form); default: all
  --out DIR               where the reports go (default: .)
  --jobs N                children at once (default: 2)
  --timeout S             seconds before a child counts as hung (default: ${LAB_TIMEOUT_MS / 1000}); one that
                          makes no progress for ${LAB_STUCK_MS / 1000} s is stuck, and killed then
  --quiet                 no progress line

scenarios:
${scenariosFor(['with --exercise']).map((s) => row(s.id, `${s.question}${s.needsExercise ? ' (with --exercise)' : ''}`)).join('\n')}

variants (static-py's test extensions):
${VARIANTS.map((v) => row(v.id, `${v.label} (${v.module})`)).join('\n')}
`;
}

const REPRO_USAGE = `usage: static-py repro SCRIPT [--all | --python PATH...] [--extensions MANIFEST] [options]

Runs SCRIPT once per build, each time in a fresh static-py process, and
tabulates exit status, signal, time, whether it hung, and the last lines of
stderr and stdout; writes repro-results.json and repro-report.md.

SCRIPT is a Python script, run as __main__ in static-py's main interpreter
(it may make interpreters with _xxsubinterpreters, _interpreters or
concurrent.interpreters and import static modules), or a JavaScript or
TypeScript module exporting a function that receives \`python\`.

  --all                   every CPython on the machine
  --python PATH           this Python (repeatable); default: the build require('static-py') loads
  --extensions MANIFEST   your extensions, linked into the build each run uses
  --path DIR              put DIR first on sys.path (repeatable)
  --loader L              static-py's loader policy: cpython (CPython's caching, the default) or isolated
  --timeout S             seconds before a run counts as hung and is killed (default: 60)
  --out DIR               where the reports go (default: .)

Exits 0 when SCRIPT exited 0 on every build, 1 otherwise, 2 on a usage error.
`;

function positiveNumber(command: string, option: string, given: string | undefined, fallback: number): number {
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isFinite(n) || n <= 0) throw new LabUsageError(`static-py ${command}: ${option} must be a positive number, not '${given}'`);
  return n;
}

const list = (given: string | undefined) => given?.split(',').map((x) => x.trim()).filter(Boolean);

/** parseArgs, with its errors as usage errors that point at --help. */
function parse<T extends Parameters<typeof parseArgs>[0]>(command: string, config: T) {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new LabUsageError(`static-py ${command}: ${(e as Error).message} (static-py ${command} --help lists the options)`);
  }
}

const pythonsOf = (values: { all?: boolean; python?: string[] }, command: string): string[] | 'all' | undefined => {
  if (values.all && values.python) throw new LabUsageError(`static-py ${command}: give --all or --python, not both`);
  return values.all ? 'all' : values.python;
};

/** Usage errors to stderr with exit code 2; anything else is a bug and propagates. */
async function usageErrorsExit2(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof LabUsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
}

export function labCommand(argv: string[]): Promise<number> {
  return usageErrorsExit2(async () => {
    const { values } = parse('lab', {
      args: argv,
      options: {
        all: { type: 'boolean' }, python: { type: 'string', multiple: true },
        extensions: { type: 'string' }, module: { type: 'string', multiple: true },
        exercise: { type: 'string', multiple: true }, path: { type: 'string', multiple: true },
        scenario: { type: 'string' }, variant: { type: 'string' }, loader: { type: 'string' },
        out: { type: 'string' }, jobs: { type: 'string' }, timeout: { type: 'string' },
        quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(labUsage());
      return 0;
    }
    const v = values as Record<string, string | string[] | boolean | undefined>;
    const tty = process.stderr.isTTY;
    let lastShown = -1;
    const report = await lab({
      extensions: v.extensions as string | undefined,
      modules: v.module as string[] | undefined,
      variants: list(v.variant as string | undefined),
      scenarios: list(v.scenario as string | undefined),
      loaders: list(v.loader as string | undefined) as LoaderName[] | undefined,
      exercise: v.exercise as string[] | undefined,
      pythonPath: v.path as string[] | undefined,
      python: pythonsOf(v as { all?: boolean; python?: string[] }, 'lab'),
      jobs: Math.ceil(positiveNumber('lab', '--jobs', v.jobs as string | undefined, 2)),
      timeoutMs: positiveNumber('lab', '--timeout', v.timeout as string | undefined, LAB_TIMEOUT_MS / 1000) * 1000,
      log: (m) => process.stderr.write(`${m}\n`),
      onProgress: (done, total, label) => {
        if (v.quiet) return;
        const percent = Math.floor((100 * done) / total);
        if (tty) process.stderr.write(`\r[${done}/${total}] ${label}`.padEnd(80).slice(0, 100));
        else if (percent >= lastShown + 10 || done === total) {
          lastShown = percent;
          process.stderr.write(`[${done}/${total}] ${label}\n`);
        }
      },
    });
    if (tty && !v.quiet) process.stderr.write('\n');
    const notRun = report.builds.filter((b) => !b.tag);
    // A build that failed says why in full (a compiler's error names the module and the line).
    const why = notRun.map((b) => `  ${b.label}: ${(b.error ?? '').split('\n').slice(0, 25).join('\n    ')}`).join('\n');
    if (notRun.length === report.builds.length) {
      process.stdout.write(`${terminalTable({ ...report, scenarios: [], variants: [], results: [] })}\n`);
      process.stderr.write(`static-py lab: no build ran, so no reports were written:\n${why}\n`);
      return 1;
    }
    process.stdout.write(`${terminalTable(report)}\n`);
    const files = writeReport(report, path.resolve((v.out as string | undefined) ?? '.'));
    process.stdout.write(`\nwrote ${files.join(', ')}\n`);
    if (notRun.length) {
      process.stderr.write(`static-py lab: ${notRun.length} of ${report.builds.length} build(s) not run:\n${why}\n`);
      return 1;
    }
    return 0;
  });
}

export function reproCommand(argv: string[]): Promise<number> {
  return usageErrorsExit2(async () => {
    const { values, positionals } = parse('repro', {
      args: argv,
      allowPositionals: true,
      options: {
        all: { type: 'boolean' }, python: { type: 'string', multiple: true }, extensions: { type: 'string' },
        path: { type: 'string', multiple: true }, timeout: { type: 'string' }, out: { type: 'string' },
        loader: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
    const v = values as Record<string, string | string[] | boolean | undefined>;
    if (v.help) {
      process.stdout.write(REPRO_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new LabUsageError(`static-py repro: give one script, not ${positionals.length} (static-py repro --help)`);
    let report;
    try {
      report = await repro({
        script: positionals[0]!,
        python: pythonsOf(v as { all?: boolean; python?: string[] }, 'repro'),
        extensions: v.extensions as string | undefined,
        pythonPath: v.path as string[] | undefined,
        loader: v.loader as 'cpython' | 'isolated' | undefined,
        timeoutMs: positiveNumber('repro', '--timeout', v.timeout as string | undefined, 60) * 1000,
        log: (m) => process.stderr.write(`${m}\n`),
      });
    } catch (e) {
      if (e instanceof Error && /^static-py repro: /.test(e.message)) throw new LabUsageError(e.message);
      throw e;
    }
    for (const r of report.results) {
      process.stdout.write(`${reproLine(r)}\n`);
      const said = r.status === 'ok' ? '' : r.stderr || r.stdout;
      if (said) process.stdout.write(`${said.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    }
    const files = writeReproReport(report, path.resolve((v.out as string | undefined) ?? '.'));
    process.stdout.write(`\nwrote ${files.join(', ')}\n`);
    return report.results.every((r) => r.status === 'ok') ? 0 : 1;
  });
}
