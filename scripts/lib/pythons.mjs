// The CPython builds this machine has, for the matrix: every pyenv version
// 3.8+ and the operating system's own python3.11 (the real binary, never
// pyenv's shim). A build that is expected but missing is reported, not dropped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function pyenvRoot(env = process.env) {
  if (env.PYENV_ROOT) return env.PYENV_ROOT;
  const r = spawnSync('pyenv', ['root'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  const guess = path.join(os.homedir(), '.pyenv');
  return fs.existsSync(guess) ? guess : null;
}

/** Expected matrix members, each `{ label, python, found, why? }`. */
export function findPythons({ env = process.env, includeDebug = false } = {}) {
  const found = [];
  const root = pyenvRoot(env);
  const wanted = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14'];
  const versions = root && fs.existsSync(path.join(root, 'versions')) ? fs.readdirSync(path.join(root, 'versions')) : [];
  for (const minor of wanted) {
    const matches = versions
      .filter((v) => v === minor || v.startsWith(`${minor}.`))
      .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
      .sort((a, b) => Number(b.split('.')[2]) - Number(a.split('.')[2]));
    if (!matches.length) {
      found.push({ label: `pyenv ${minor}`, python: null, found: false, why: root ? `no ${minor}.x under ${root}/versions` : 'pyenv is not installed' });
      continue;
    }
    const python = path.join(root, 'versions', matches[0], 'bin', 'python3');
    found.push(fs.existsSync(python)
      ? { label: `pyenv ${matches[0]}`, python, found: true }
      : { label: `pyenv ${matches[0]}`, python, found: false, why: `${python} does not exist` });
  }
  const system = '/usr/bin/python3.11';
  found.push(fs.existsSync(system)
    ? { label: 'Debian python3.11', python: system, found: true }
    : { label: 'Debian python3.11', python: system, found: false, why: `${system} is missing (apt-get install python3.11-dev)` });
  if (includeDebug) {
    const dbg = '/usr/bin/python3.11d';
    found.push(fs.existsSync(dbg)
      ? { label: 'Debian python3.11-dbg', python: dbg, found: true }
      : { label: 'Debian python3.11-dbg', python: dbg, found: false, why: `${dbg} is missing (apt-get install python3.11-dbg)` });
  }
  return found;
}
