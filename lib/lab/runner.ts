// Runs the catalogue: every scenario x variant x loader, for each build, each
// in a fresh child process with a time limit. A child that dies by a signal
// is recorded as a crash (with the signal and the end of its stderr), never
// as a failed run.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { type Build, buildsForPython, byPreference, packageRoot } from '../binding.js';
import { RESULT_PREFIX } from './child.js';
import type { LabRun, LoaderName } from './context.js';
import { extensionsManifest, hasLabModules, manifestModules, variantLibraries, whyMissing } from './fixtures.js';
import type { Scenario, ScenarioResult } from './scenarios.js';
import type { Variant } from './variants.js';

export interface LabTarget {
  /** How the user or the matrix named it ("pyenv 3.12.1", "--python /usr/bin/python3.11"). */
  label: string;
  python: string;
}

/** One cell of the matrix: where it ran, and how the child ended. */
export interface LabResult extends ChildOutcome {
  build: string;
  python: string;
  version: string;
  scenario: string;
  variant: string;
  loader: LoaderName;
}

export interface LabBuildReport {
  label: string;
  python: string;
  tag?: string;
  version?: string;
  error?: string;
}

export interface LabOptions {
  targets: LabTarget[];
  scenarios: readonly Scenario[];
  variants: readonly Variant[];
  loaders: readonly LoaderName[];
  jobs?: number;
  /** Per child; a healthy one answers in well under a second. Default LAB_TIMEOUT_MS. */
  timeoutMs?: number;
  onProgress?: (done: number, total: number, label: string) => void;
  log?: (message: string) => void;
  /** A user's manifest (absolute path) whose modules the variants are; their builds are made from it. */
  extensions?: string;
  /** Python expressions, with the module as `m`, that the exercise scenarios evaluate. */
  exercise?: readonly string[];
  /** Directories put first on sys.path in every interpreter (a module's Python package, say). */
  pythonPath?: readonly string[];
}

/** How long a child may take before it counts as hung (some scenarios deadlock, e.g. pybind11's). */
export const LAB_TIMEOUT_MS = 10_000;
/** How long a scenario's child may run next to nothing before it counts as stuck (runNode's `stuckMs`). */
export const LAB_STUCK_MS = 3_000;

/**
 * The build to run the lab on for `python`: one whose static table has the
 * modules needed (the test extensions, or every module of the user's
 * `extensions` manifest), else one made for the purpose (`<tag>-lab`, or
 * `<tag>-lab-<hash of the manifest's path>`), which takes a minute or more:
 * its progress goes to `log` as it happens. STATIC_PY_BUILD picks among
 * that Python's builds as it does for `require('static-py')` (a sanitizer
 * or debug build, say); a tag for another Python is ignored.
 */
export async function labBuild(python: string, log: (m: string) => void, extensions?: string): Promise<Build> {
  const needed = extensions ? manifestModules(extensions).map((m) => m.name) : undefined;
  const usable = () => {
    const builds = byPreference(buildsForPython(python, '--python').filter((b) => hasLabModules(b, needed)));
    const named = builds.find((b) => b.info.tag === process.env.STATIC_PY_BUILD);
    return named ? [named] : builds;
  };
  const existing = usable()[0];
  if (existing) return existing;
  const what = extensions ? `the modules of ${extensions}` : 'the test extensions';
  const suffix = extensions ? `lab-${crypto.createHash('sha1').update(extensions).digest('hex').slice(0, 8)}` : 'lab';
  log(`static-py lab: no build for ${python} has ${what}; making one (a minute or two):`);
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(packageRoot, 'scripts', 'build.mjs'), '--python', python,
    '--manifest', extensions ?? extensionsManifest, '--tag-suffix', suffix, '--no-default'], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  let errors = '';
  child.stdout.on('data', (d: Buffer) => {
    said += d;
    const lines = said.split('\n');
    said = lines.pop()!;
    for (const line of lines) log(`  [${Math.round((Date.now() - started) / 1000)} s] ${line.trim()}`);
  });
  child.stderr.on('data', (d: Buffer) => (errors += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error((errors || said || 'the build failed').trim());
  const made = usable()[0];
  if (!made) throw new Error(`static-py lab: building for ${python} did not produce a build with ${what}`);
  return made;
}

interface Job {
  build: Build;
  scenario: Scenario;
  variant: Variant;
  loader: LoaderName;
  libraries: Record<string, string>;
}

/** What a lab child is told (lib/lab/child.ts): the run, and which scenario. */
export interface ChildArgs extends LabRun {
  scenario: string;
}

/** How one child ended, as a lab cell. */
export interface ChildOutcome extends ScenarioResult {
  ms: number;
  signal?: string;
  /** The last lines of its stderr, when it crashed, hung or failed. */
  stderr?: string;
}

/** How a supervised process ended. */
export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed (SIGKILL) for not ending within its time. */
  timedOut: boolean;
  /** Killed (SIGKILL) for running next to nothing for `stuckMs` (runNode). */
  stuck: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Every thread of `pid`: the CPU time they have run (ns), and whether one waits for I/O (state D). Null without /proc, or once it is gone. */
function threadsOf(pid: number): { cpuNs: number; inIo: boolean } | null {
  try {
    const dir = `/proc/${pid}/task`;
    let cpuNs = 0;
    let inIo = false;
    for (const tid of fs.readdirSync(dir)) {
      const stat = fs.readFileSync(`${dir}/${tid}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] === 'D') inIo = true;
      cpuNs += Number(fs.readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return { cpuNs, inIo };
  } catch {
    return null;
  }
}

const STUCK_POLL_MS = 250;

/**
 * Runs `node <args>` and kills it (SIGKILL) if it has not ended after
 * `timeoutMs`, or, with `stuckMs`, once it has run next to nothing for that
 * long: under 5 % of a CPU in every quarter second, with no thread waiting
 * for I/O. That is a deadlock, or a wait for something that will not come (a
 * thread waiting for the GIL still wakes every 5 ms, ~1 %). Only for
 * children that never wait idle on purpose (the lab's scenarios, not a
 * user's script); /proc is read, so elsewhere than Linux the time limit
 * alone applies. A runnable child on a loaded machine still gets its share
 * of a CPU, far above 5 %.
 */
export function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string, stuckMs?: number): Promise<Ended> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    let timedOut = false;
    let stuck = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let quietSince = Date.now();
    let lastCpuNs = -1;
    const watch = stuckMs && child.pid !== undefined ? setInterval(() => {
      const now = threadsOf(child.pid!);
      if (now === null) return;
      const ranNs = lastCpuNs < 0 ? Infinity : now.cpuNs - lastCpuNs;
      lastCpuNs = now.cpuNs;
      if (now.inIo || ranNs > STUCK_POLL_MS * 1e6 * 0.05) {
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= stuckMs) {
        stuck = true;
        child.kill('SIGKILL');
      }
    }, STUCK_POLL_MS) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      resolve({ code, signal, timedOut: timedOut && !stuck, stuck, ms: Date.now() - started, stdout, stderr });
    });
  });
}

/**
 * Runs `node <args>` with a time limit and reads its result: the last
 * LAB-RESULT line of stdout. Death by a signal is a crash, recorded with the
 * signal and the end of its stderr (and the cell it reported, if any).
 */
export async function superviseChild(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stuckMs?: number): Promise<ChildOutcome> {
  const { code, signal, timedOut, stuck, ms, stdout, stderr } = await runNode(args, env, timeoutMs, undefined, stuckMs);
  const tail = stderr.trim().split('\n').slice(-6).join('\n');
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  const result = line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as ScenarioResult) : null;
  if (timedOut) return { status: 'timeout', cell: `no answer in ${timeoutMs / 1000} s`, ms, stderr: tail };
  if (stuck) return { status: 'timeout', cell: `stuck (no progress for ${stuckMs! / 1000} s)`, ms, stderr: tail };
  if (signal) {
    const before = result ? `, after: ${result.cell}` : '';
    return { status: 'crash', cell: `crashed (${signal})${before}`, ms, signal, stderr: tail };
  }
  if (!result) return { status: 'error', cell: `exited with ${code} and no result: ${firstError(stderr)}`, ms, stderr: tail };
  return { ...result, ms, ...(code !== 0 ? { stderr: tail } : {}) };
}

/** The thrown error's first line, rather than Node's closing version banner. */
function firstError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^\w*(Error|Exception)\b/.test(l)) ?? lines.pop() ?? '';
}

/** Where a result comes from: build, scenario, variant, loader. */
function describeJob(job: Omit<Job, 'libraries'>): Omit<LabResult, keyof ChildOutcome> {
  return {
    build: job.build.info.tag,
    python: job.build.info.python.executable,
    version: job.build.info.python.version.slice(0, 3).join('.'),
    scenario: job.scenario.id,
    variant: job.variant.id,
    loader: job.loader,
  };
}

async function runChild(job: Job, options: LabOptions): Promise<LabResult> {
  const told: ChildArgs = {
    scenario: job.scenario.id, variant: job.variant, loader: job.loader, libraries: job.libraries,
    exercise: options.exercise ?? [], pythonPath: options.pythonPath ?? [],
  };
  const args = JSON.stringify(told);
  const env = { ...process.env, STATIC_PY_BUILD: job.build.info.tag, STATIC_PY_PYTHON: '' };
  const outcome = await superviseChild([path.join(__dirname, 'child.js'), args], env, options.timeoutMs ?? LAB_TIMEOUT_MS, LAB_STUCK_MS);
  return { ...describeJob(job), ...outcome };
}

/** Runs everything; builds that cannot be prepared are reported, the rest run. */
export async function runLab(options: LabOptions): Promise<{ builds: LabBuildReport[]; results: LabResult[] }> {
  const log = options.log ?? (() => {});
  const builds: LabBuildReport[] = [];
  const jobs: Job[] = [];
  const skipped: LabResult[] = [];
  for (const target of options.targets) {
    let build: Build;
    try {
      build = await labBuild(target.python, log, options.extensions);
      // A variant the build left out (its toolchain missing, or a Python
      // its framework does not support) is n/a in every cell, with the reason.
      const absent = new Map(options.variants.map((v) => [v.id, whyMissing(build, v.module)]));
      const present = options.variants.filter((v) => absent.get(v.id) === null);
      const libraries = options.loaders.includes('dynamic') ? variantLibraries(build, present) : {};
      builds.push({ label: target.label, python: target.python, tag: build.info.tag, version: build.info.python.version.slice(0, 3).join('.') });
      for (const scenario of options.scenarios) {
        for (const variant of options.variants) {
          for (const loader of options.loaders) {
            const why = absent.get(variant.id);
            if (why) skipped.push({ ...describeJob({ build, scenario, variant, loader }), status: 'n/a', cell: `not in this build: ${why}`, ms: 0 });
            else jobs.push({ build, scenario, variant, loader, libraries });
          }
        }
      }
    } catch (e) {
      builds.push({ label: target.label, python: target.python, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const results: LabResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      results[index] = await runChild(job, options);
      done++;
      options.onProgress?.(done, jobs.length, `${job.build.info.tag} ${job.scenario.id} ${job.variant.id} ${job.loader}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
  return { builds, results: [...results, ...skipped] };
}

