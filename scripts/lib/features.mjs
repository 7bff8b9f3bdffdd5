// Which optional toolchains this machine has, for manifest entries that say
// "requires": a missing one skips those modules with its reason, so the
// package still builds for users without them. Each feature is
// { ok, why?, unsupported?, version?, ... }: `why` says what is missing and
// how to get it; `unsupported` marks a framework that is there but does not
// support this Python (no package would help).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BuildError } from './python-probe.mjs';

const run = (command, args, env) => spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, env });

/** pybind11's headers: STATIC_PY_PYBIND11_INCLUDE, the Python's own pybind11, or the system's. */
function detectPybind11(info, env) {
  const candidates = [];
  if (env.STATIC_PY_PYBIND11_INCLUDE) candidates.push(env.STATIC_PY_PYBIND11_INCLUDE);
  const own = run(info.executable, ['-c', 'import pybind11; print(pybind11.get_include())'], env);
  if (own.status === 0 && own.stdout.trim()) candidates.push(own.stdout.trim());
  candidates.push('/usr/local/include', '/usr/include');
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'pybind11', 'pybind11.h')));
  if (!dir) {
    return { ok: false, why: 'pybind11 headers not found (apt-get install pybind11-dev, or set STATIC_PY_PYBIND11_INCLUDE)' };
  }
  const common = fs.readFileSync(path.join(dir, 'pybind11', 'detail', 'common.h'), 'utf8');
  const part = (p) => new RegExp(`#define PYBIND11_VERSION_${p}\\s+(\\S+)`).exec(common)?.[1] ?? '?';
  // The system directories are searched anyway; naming them with -I would
  // reorder the system's own headers.
  const includeDirs = ['/usr/include', '/usr/local/include'].includes(dir) ? [] : [dir];
  return { ok: true, version: `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`, includeDirs };
}

/** A cython command: STATIC_PY_CYTHON, else cython3 (Debian) or cython. */
function detectCython(env) {
  const probe = (command) => {
    const r = run(command, ['--version'], env);
    const version = /Cython version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1];
    return r.status === 0 && version ? { ok: true, command, version } : { ok: false, r };
  };
  if (env.STATIC_PY_CYTHON) {
    // Named on purpose: a command that does not work is an error, not a reason to use another.
    const found = probe(env.STATIC_PY_CYTHON);
    if (found.ok) return found;
    const said = found.r.error ? found.r.error.code ?? found.r.error.message
      : `exit ${found.r.status}: ${`${found.r.stdout}${found.r.stderr}`.trim().split('\n').pop() || 'no version printed'}`;
    throw new BuildError(`static-py: STATIC_PY_CYTHON is '${env.STATIC_PY_CYTHON}', which is not a working cython ` +
      `(\`${env.STATIC_PY_CYTHON} --version\`: ${said}); fix it, or unset it to use cython3 from PATH.`);
  }
  for (const command of ['cython3', 'cython']) {
    const found = probe(command);
    if (found.ok) return found;
  }
  return { ok: false, why: 'no cython command (apt-get install cython3, or set STATIC_PY_CYTHON)' };
}

/** cargo, and a local crate registry to build from offline (Debian's). */
function detectCargo(env) {
  const r = run(env.CARGO || 'cargo', ['--version'], env);
  if (r.status !== 0) return { ok: false, why: 'no cargo on PATH (install Rust, or set CARGO)' };
  const registry = env.STATIC_PY_CARGO_REGISTRY ?? '/usr/share/cargo/registry';
  return {
    ok: true,
    command: env.CARGO || 'cargo',
    version: r.stdout.trim().split(/\s+/)[1],
    registry: registry && fs.existsSync(registry) ? registry : null,
  };
}

// The newest CPython each PyO3 minor release supports (its build script
// refuses anything newer).
const PYO3_MAX_PYTHON = { '0.17': 11, '0.18': 11, '0.19': 12, '0.20': 12, '0.21': 12, '0.22': 13, '0.23': 13 };

/** PyO3 from the local registry, where its version supports this Python. */
function detectPyo3(info, cargo) {
  if (!cargo.ok) return { ok: false, why: cargo.why };
  if (!cargo.registry) return { ok: false, why: 'no local crate registry to build PyO3 offline (apt-get install librust-pyo3-dev)' };
  const versions = fs.readdirSync(cargo.registry)
    .map((d) => /^pyo3-(\d+\.\d+\.\d+)$/.exec(d)?.[1])
    .filter(Boolean)
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  if (!versions.length) return { ok: false, why: `no pyo3 crate in ${cargo.registry} (apt-get install librust-pyo3-dev)` };
  const version = versions[0];
  const series = version.split('.').slice(0, 2).join('.');
  const max = PYO3_MAX_PYTHON[series] ?? 13;
  if (info.minor > max) {
    return { ok: false, unsupported: true, version, why: `PyO3 ${version} supports CPython up to 3.${max}; this is ${info.major}.${info.minor}` };
  }
  return { ok: true, version };
}

/**
 * @param {{ executable: string, major: number, minor: number }} info the probed Python
 */
export function detectFeatures(info, env = process.env) {
  const cargo = detectCargo(env);
  return {
    pybind11: detectPybind11(info, env),
    cython: detectCython(env),
    cargo,
    pyo3: detectPyo3(info, cargo),
  };
}
