// `static-py repro`: a reproducer (a Python script in the form CPython bug
// reports use, or a JavaScript module exporting a function of `python`)
// run in a fresh static-py process on each build, with the manifest's
// modules linked in, and tabulated: exit status, signal, the last lines of
// stdout and stderr, time, and whether it hung.
import fs from 'node:fs';
import path from 'node:path';

import { notFound } from './api.js';
import { type LabBuildReport, labBuild, runNode } from './runner.js';
import { resolveTargets } from './targets.js';

export interface ReproOptions {
  /** A .py script (run as __main__), or a JavaScript or TypeScript module exporting a function that receives `python`. */
  script: string;
  /** Python executables, or `'all'`; default: the default build's. */
  python?: readonly string[] | 'all';
  /** A manifest of your own extensions, linked into the build each run uses. */
  extensions?: string;
  /** Directories put first on sys.path (after the script's own directory). */
  pythonPath?: readonly string[];
  /** static-py's loader policy for the run (python.configure({ loader })); default: cpython. */
  loader?: 'cpython' | 'isolated';
  /** Per build, before the run counts as hung and is killed (default 60 s). */
  timeoutMs?: number;
  /** Environment variables for the runs, on top of this process's. */
  env?: Record<string, string>;
  /** Lines of stdout and stderr kept (default 12). */
  tailLines?: number;
  log?: (message: string) => void;
}

/** How the reproducer ended on one build. */
export interface ReproResult {
  label: string;
  python: string;
  build?: string;
  version?: string;
  /** ok: exit 0; failed: another exit code; crash: killed by a signal; timeout: hung and killed; not run: no build. */
  status: 'ok' | 'failed' | 'crash' | 'timeout' | 'not run';
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
  /** Why it did not run (status 'not run'). */
  error?: string;
}

export interface ReproReport {
  generatedAt: string;
  script: string;
  loader: 'cpython' | 'isolated';
  results: ReproResult[];
}

const REPRO_TIMEOUT_MS = 60_000;
const SCRIPT_KINDS = /\.(py|js|cjs|mjs|ts|cts|mts)$/;

const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

/**
 * Runs the reproducer on every build asked for, one after another (each
 * with the whole machine to itself, so times compare).
 * @throws {Error} when the script does not exist or is not .py/.js/.cjs/.mjs.
 */
export async function repro(options: ReproOptions): Promise<ReproReport> {
  const script = path.resolve(options.script);
  if (options.loader !== undefined && options.loader !== 'cpython' && options.loader !== 'isolated') {
    throw new Error(`static-py repro: the loader must be 'cpython' or 'isolated', not '${String(options.loader)}'`);
  }
  if (!fs.existsSync(script)) throw new Error(`static-py repro: ${script} does not exist`);
  if (!SCRIPT_KINDS.test(script)) throw new Error(`static-py repro: ${script} is neither a Python script (.py) nor a JavaScript or TypeScript module (.js, .cjs, .mjs, .ts, .cts, .mts)`);
  const extensions = options.extensions === undefined ? undefined : path.resolve(options.extensions);
  const { targets, missing } = resolveTargets(options.python, 'repro');
  const log = options.log ?? (() => {});
  const lines = options.tailLines ?? 12;
  const timeoutMs = options.timeoutMs ?? REPRO_TIMEOUT_MS;
  const results: ReproResult[] = [];
  for (const target of targets) {
    const base = { label: target.label, python: target.python };
    let build;
    try {
      build = await labBuild(target.python, log, extensions);
    } catch (e) {
      results.push({ ...base, status: 'not run', exitCode: null, signal: null, timedOut: false, ms: 0, stdout: '', stderr: '', error: (e as Error).message });
      continue;
    }
    const env = { ...process.env, ...options.env, STATIC_PY_BUILD: build.info.tag, STATIC_PY_PYTHON: '' };
    const args = [path.join(__dirname, 'repro-child.js'), script, JSON.stringify((options.pythonPath ?? []).map((p) => path.resolve(p))), options.loader ?? ''];
    const ended = await runNode(args, env, timeoutMs, path.dirname(script));
    const status = ended.timedOut ? 'timeout' : ended.signal ? 'crash' : ended.code === 0 ? 'ok' : 'failed';
    results.push({
      ...base, build: build.info.tag, version: build.info.python.version.slice(0, 3).join('.'), status,
      exitCode: ended.code, signal: ended.timedOut ? null : ended.signal, timedOut: ended.timedOut, ms: ended.ms,
      stdout: tail(ended.stdout, lines), stderr: tail(ended.stderr, lines),
    });
  }
  for (const m of missing) {
    const row: LabBuildReport = notFound(m);
    results.push({ label: row.label, python: '', status: 'not run', exitCode: null, signal: null, timedOut: false, ms: 0, stdout: '', stderr: '', error: row.error });
  }
  return { generatedAt: new Date().toISOString(), script, loader: options.loader ?? 'cpython', results };
}

/** One line per build: what happened, in words. */
export function reproLine(r: ReproResult): string {
  const where = r.build ? `${r.build} (Python ${r.version})` : r.label;
  switch (r.status) {
    case 'not run': return `${where}: not run: ${r.error?.split('\n')[0]}`;
    case 'timeout': return `${where}: hung: killed after ${(r.ms / 1000).toFixed(1)} s`;
    case 'crash': return `${where}: crashed (${r.signal}) after ${(r.ms / 1000).toFixed(1)} s`;
    default: return `${where}: exit ${r.exitCode} after ${(r.ms / 1000).toFixed(1)} s`;
  }
}

const escapeMd = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export function reproMarkdown(report: ReproReport): string {
  const out = [
    `# static-py repro: ${path.basename(report.script)}`, '',
    `Generated ${report.generatedAt}. \`${report.script}\`, run once per build in a fresh static-py process, ` +
      `with the ${report.loader} loader.`, '',
    '| build | Python | outcome | exit | signal | time | last lines of stderr | last lines of stdout |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of report.results) {
    out.push(`| ${r.build ?? r.label} | ${r.version ?? ''} | ${r.status} | ${r.exitCode ?? ''} | ${r.signal ?? ''} | ` +
      `${r.status === 'not run' ? '' : `${(r.ms / 1000).toFixed(1)} s`} | ${escapeMd(r.error ?? r.stderr)} | ${escapeMd(r.stdout)} |`);
  }
  return `${out.join('\n')}\n`;
}

/** Writes repro-results.json and repro-report.md into `dir`. */
export function writeReproReport(report: ReproReport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [['repro-results.json', JSON.stringify(report, null, 2)], ['repro-report.md', reproMarkdown(report)]];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}
