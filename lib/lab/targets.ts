// Which Pythons a lab or repro run covers: the ones asked for, every CPython
// on the machine, or the one `require('static-py')` would load.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { packageRoot, selectBuild } from '../binding.js';
import type { LabTarget } from './runner.js';

/** A target list, and the builds of `--all` that this machine lacks (label: why). */
export interface Targets {
  targets: LabTarget[];
  missing: string[];
}

/**
 * `python`: paths; `'all'`: every CPython the build knows of here
 * (scripts/lib/pythons.mjs, asked across a process boundary); none: the
 * default build's Python (STATIC_PY_PYTHON first).
 */
export function resolveTargets(python: readonly string[] | 'all' | undefined, command: string): Targets {
  if (Array.isArray(python) && python.length) return { targets: python.map((p) => ({ label: `--python ${p}`, python: p })), missing: [] };
  if (python === 'all') {
    const listed = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build.mjs'), '--list-pythons'], { encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`static-py ${command}: listing this machine's Pythons failed: ${(listed.stderr || String(listed.error)).trim()}`);
    const found = JSON.parse(listed.stdout) as { label: string; python: string | null; found: boolean; why?: string }[];
    return {
      targets: found.filter((p) => p.found).map((p) => ({ label: p.label, python: p.python! })),
      missing: found.filter((p) => !p.found).map((p) => `${p.label}: ${p.why}`),
    };
  }
  const fallback = process.env.STATIC_PY_PYTHON || (() => {
    try {
      return selectBuild().info.python.executable;
    } catch {
      return 'python3';
    }
  })();
  return { targets: [{ label: 'default', python: fallback }], missing: [] };
}
