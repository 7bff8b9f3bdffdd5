// Asks a Python interpreter what it is (scripts/probe_python.py) and turns
// the answer into the facts the build needs: its build tag, where libpython
// is, and how to link it. Every error names STATIC_PY_PYTHON and what was tried.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const probeScript = path.join(here, '..', 'probe_python.py');

export class BuildError extends Error {}

/**
 * The CPython minor versions static-py is made for and tested on (3.MIN to
 * 3.MAX); lib/installed-python.ts says the same at run time, and a test
 * holds the two equal. A newer CPython is refused until it has been tested:
 * static-py reads some of CPython's private structures (native/cpython/
 * internals.c), whose layout changes between minor versions.
 */
export const SUPPORTED = { min: 8, max: 14 };
const supported = `CPython 3.${SUPPORTED.min}-3.${SUPPORTED.max}`;

/** The interpreter the build uses when none is named. */
export function defaultPython(env = process.env) {
  return env.STATIC_PY_PYTHON || 'python3';
}

/**
 * Runs `python -E -s -S probe_python.py` and returns the parsed description.
 * @param {string} python a path or a command on PATH
 * @param {string} origin how the user chose it, for the error message
 */
export function probePython(python, origin = 'STATIC_PY_PYTHON') {
  const example = '$(pyenv root)/versions/3.12.1/bin/python3';
  const hint = origin === '--python'
    ? `Pass --python a CPython 3.8+ interpreter built with a shared libpython (for example --python ${example}).`
    : `Set STATIC_PY_PYTHON to a CPython 3.8+ interpreter built with a shared libpython ` +
      `(for example STATIC_PY_PYTHON=${example}).`;
  const run = spawnSync(python, ['-E', '-s', '-S', probeScript], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    throw new BuildError(
      `static-py: cannot run the Python chosen by ${origin}: '${python}' (${run.error.code ?? run.error.message}).\n${hint}`);
  }
  if (run.status !== 0) {
    throw new BuildError(
      `static-py: the Python chosen by ${origin} ('${python}') failed to describe itself ` +
      `(exit ${run.status}):\n${(run.stderr || '').trim().split('\n').slice(-5).join('\n')}\n${hint}`);
  }
  let info;
  try {
    info = JSON.parse(run.stdout);
  } catch {
    const said = run.stdout.trim() ? `printed ${JSON.stringify(run.stdout.trim().slice(0, 80))}` : 'printed nothing';
    throw new BuildError(`static-py: '${python}' (${origin}) is not a CPython interpreter: asked to describe itself, it ${said}.\n${hint}`);
  }
  const [major, minor] = info.version;
  if (info.implementation !== 'cpython') {
    throw new BuildError(`static-py: '${python}' (${origin}) is ${info.implementation}, not CPython.\n${hint}`);
  }
  const version = info.version.slice(0, 3).join('.');
  if (major !== 3 || minor < SUPPORTED.min) {
    throw new BuildError(
      `static-py: '${python}' (${origin}) is Python ${version}; static-py needs CPython 3.${SUPPORTED.min} or newer (it supports ${supported}).\n${hint}`);
  }
  if (minor > SUPPORTED.max) {
    throw new BuildError(`static-py: '${python}' (${origin}) is CPython ${version}, which static-py has not been tested on; ` +
      `it supports ${supported}.\n${hint}`);
  }
  if (info.gil_disabled) {
    throw new BuildError(`static-py: '${python}' (${origin}) is a free-threaded build of CPython ${version} (no GIL), which static-py does ` +
      `not support: its rules for thread states, its extension caches and the frameworks it builds assume a GIL. ` +
      `Use the same CPython's default build (python3.${minor}, not python3.${minor}t).\n${hint}`);
  }
  return { ...info, requested: python, major, minor };
}

/**
 * The build directory name for an interpreter: `cp312`, `cp311d` for a
 * debug (Py_DEBUG) build, and a `-system` suffix for the operating system's
 * own interpreter (prefix /usr), so Debian's 3.11 and pyenv's 3.11 can sit
 * side by side. `-static` marks an addon with libpython linked in.
 */
export function buildTag(info, { link = 'shared', variant } = {}) {
  let tag = `cp${info.major}${info.minor}${info.abiflags || ''}`;
  if (info.base_prefix === '/usr' || info.base_prefix === '/usr/local') tag += '-system';
  if (link === 'static') tag += '-static';
  if (variant) tag += `-${variant}`;
  return tag;
}

/** Compiler and linker inputs for libpython, shared or static. */
export function libpythonLinkage(info, link) {
  if (link === 'static') {
    if (!info.libpython_static || !info.libpython_static.endsWith('-pic.a')) {
      throw new BuildError(
        `static-py: STATIC_PY_LINK=static needs a position-independent static libpython ` +
        `(libpython${info.ldversion}-pic.a, as Debian's libpython3.11-dev ships), and ` +
        `${info.executable} has ${info.libpython_static ?? 'none'}.`);
    }
    return {
      library: info.libpython_static,
      // The archive's own dependencies (libm, libz, libexpat ...).
      libraries: [...new Set([...info.modlibs, ...info.syslibs].filter((f) => f.startsWith('-l')))],
      rpath: null,
    };
  }
  if (!info.libpython_shared) {
    throw new BuildError(
      `static-py: ${info.executable} (Python ${info.major}.${info.minor}) has no shared libpython ` +
      `(configure it with --enable-shared, e.g. PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install).`);
  }
  return {
    library: info.libpython_shared,
    libraries: [],
    rpath: path.dirname(info.libpython_shared),
  };
}
