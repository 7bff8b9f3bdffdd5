// The lab and the reproducer runner as functions (`import { lab, repro }
// from 'static-py/lab'`), which the CLI (lib/lab/command.ts) wraps: a test
// suite can assert an extension's behaviour across builds with them.
import path from 'node:path';

import { LOADERS, type LoaderName } from './context.js';
import { manifestModules } from './fixtures.js';
import type { LabReport } from './report.js';
import { type LabBuildReport, runLab } from './runner.js';
import { type Scenario, SCENARIOS } from './scenarios.js';
import { resolveTargets } from './targets.js';
import { manifestVariants, type Variant, VARIANTS } from './variants.js';
import { verdicts } from './verdict.js';

/** Bad options: the message says which and what is known (the CLI's exit code 2). */
export class LabUsageError extends Error {
  override name = 'LabUsageError';
}

export interface LabOptions {
  /**
   * A manifest of your own extensions (the format `npm install` builds
   * from): each of its modules becomes a variant, and the lab makes a
   * build with them for each Python. Without it: static-py's own test extensions.
   */
  extensions?: string;
  /** With `extensions`: only these of its modules. */
  modules?: readonly string[];
  /** Without `extensions`: only these test-extension variants (ids). */
  variants?: readonly string[];
  /** Python executables, or `'all'` (every CPython on the machine); default: the default build's. */
  python?: readonly string[] | 'all';
  /** Only these scenarios (ids); default: all that apply. */
  scenarios?: readonly string[];
  /** Default: cpython, isolated, dynamic. */
  loaders?: readonly LoaderName[];
  /**
   * Python expressions with the module as `m` (`m.escape('<')`), evaluated
   * by the exercise scenarios in each interpreter: what your module returns
   * there, and whether it still works after a subinterpreter ended.
   */
  exercise?: readonly string[];
  /** Directories put first on sys.path in every interpreter (your module's Python package). */
  pythonPath?: readonly string[];
  /** Children at once (default 2). */
  jobs?: number;
  /** Per child, before it counts as hung (default 10 s). */
  timeoutMs?: number;
  /** Progress and build output. */
  log?: (message: string) => void;
  onProgress?: (done: number, total: number, label: string) => void;
}

function pick<T extends { id: string }>(what: string, all: readonly T[], given: readonly string[] | undefined): T[] {
  if (!given?.length) return [...all];
  return given.map((id) => {
    const found = all.find((x) => x.id === id.trim());
    if (!found) throw new LabUsageError(`static-py lab: unknown ${what} '${id}'; known ${what}s: ${all.map((x) => x.id).join(', ')}`);
    return found;
  });
}

/** The scenarios a run with (or without) exercise expressions has. */
export const scenariosFor = (exercise: readonly string[] | undefined): Scenario[] =>
  SCENARIOS.filter((s) => !s.needsExercise || !!exercise?.length);

/** The variants, scenarios and loaders `options` ask for; LabUsageError when one is unknown. */
export function labPlan(options: LabOptions): { variants: Variant[]; scenarios: Scenario[]; loaders: LoaderName[]; extensions?: string } {
  let variants: Variant[];
  let extensions: string | undefined;
  if (options.extensions !== undefined) {
    if (options.variants?.length) throw new LabUsageError('static-py lab: --variant picks static-py\'s test extensions; with --extensions, use --module');
    extensions = path.resolve(options.extensions);
    try {
      variants = manifestVariants(extensions, manifestModules(extensions), options.modules);
    } catch (e) {
      throw new LabUsageError((e as Error).message);
    }
  } else {
    if (options.modules?.length) throw new LabUsageError('static-py lab: --module names modules of a manifest: give --extensions too');
    variants = pick('variant', VARIANTS, options.variants);
  }
  const scenarios = pick('scenario', scenariosFor(options.exercise), options.scenarios);
  const loaders = pick('loader', LOADERS.map((id) => ({ id })), options.loaders).map((l) => l.id as LoaderName);
  return { variants, scenarios, loaders, extensions };
}

/**
 * Runs the scenario catalogue on each variant, loader and build, each run
 * in a fresh process (crashes and hangs are results), and reads a verdict
 * per build for each of your modules.
 * @throws {LabUsageError} on an unknown scenario, variant, loader or module, or a manifest that cannot be read.
 */
export async function lab(options: LabOptions = {}): Promise<LabReport> {
  const { variants, scenarios, loaders, extensions } = labPlan(options);
  const { targets, missing } = resolveTargets(options.python, 'lab');
  const { builds, results } = await runLab({
    targets, scenarios, variants, loaders, extensions,
    exercise: options.exercise, pythonPath: options.pythonPath?.map((p) => path.resolve(p)),
    jobs: options.jobs, timeoutMs: options.timeoutMs, log: options.log, onProgress: options.onProgress,
  });
  builds.push(...missing.map(notFound));
  return {
    generatedAt: new Date().toISOString(),
    loaders,
    scenarios: scenarios.map((s) => s.id),
    variants: variants.map((v) => v.id),
    builds,
    results,
    ...(extensions ? { userVariants: variants, verdicts: verdicts(results, variants, loaders) } : {}),
    ...(options.exercise?.length ? { exercise: [...options.exercise] } : {}),
  };
}

/** A build of `--all` this machine does not have, as a report row. */
export const notFound = (line: string): LabBuildReport =>
  ({ label: line.split(':')[0]!, python: '', error: `missing: ${line.split(': ').slice(1).join(': ')}` });
