// What a Python named by the user is, at run time: the interpreter behind a
// path or a command (pyenv's shim and a virtual environment's python
// included), its version and its shared libpython. A name that says its
// version (python3.11, python3.11d) is read from the file system; anything
// else (python3 on PATH, a shim, venv/bin/python) is asked once, by running
// it: following a shim by hand would mean redoing pyenv's own rules.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface InstalledPython {
  /** As the user named it. */
  requested: string;
  /** The interpreter's own binary (symlinks and shims followed). */
  executable: string;
  /** The virtual environment whose python was named (pyvenv.cfg next to it or one level up), else null. */
  venv: string | null;
  major: number;
  minor: number;
  /** `3.11.7` when the interpreter was asked, `3.11` when its file name told. */
  version: string;
  abiflags: string;
  /** Its shared libpython, or null when it has none. */
  libpython: string | null;
}

/** The CPython minor versions static-py supports (scripts/lib/python-probe.mjs, SUPPORTED, says the same at build time). */
export const SUPPORTED = { min: 8, max: 14 };
const supported = `CPython 3.${SUPPORTED.min}-3.${SUPPORTED.max}`;

/**
 * The path `python` names: itself when it has a slash, else the first
 * executable of that name on PATH. Throws when there is none.
 */
export function locatePython(python: string, origin: string): string {
  if (python.includes('/')) {
    const file = path.resolve(python);
    if (!fs.existsSync(file)) throw new Error(`static-py: ${origin} names ${python}, which does not exist.`);
    return file;
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, python);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // the next directory
    }
  }
  throw new Error(`static-py: ${origin} names '${python}', which is not a command on PATH (${dirs.join(path.delimiter) || 'PATH is empty'}).`);
}

/** The virtual environment `file` (not resolved) is the python of, as CPython itself finds it: pyvenv.cfg beside or above. */
export function venvOf(file: string): string | null {
  const dir = path.dirname(file);
  for (const candidate of [dir, path.dirname(dir)]) {
    if (fs.existsSync(path.join(candidate, 'pyvenv.cfg'))) return candidate;
  }
  return null;
}

const MULTIARCH = `${process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch}-linux-gnu`;

/** From the file name and layout alone (python3.11 next to ../lib/libpython3.11.so.1.0), or null. */
function fromFileName(requested: string, executable: string, venv: string | null): InstalledPython | null {
  const m = /^python(\d+)\.(\d+)(d?)$/.exec(path.basename(executable));
  if (!m) return null;
  const [major, minor, abiflags] = [Number(m[1]), Number(m[2]), m[3]!];
  const soname = `libpython${major}.${minor}${abiflags}.so.1.0`;
  const prefix = path.dirname(path.dirname(executable));
  const libpython = [path.join(prefix, 'lib'), path.join(prefix, 'lib', MULTIARCH), path.join('/usr/lib', MULTIARCH)]
    .map((d) => path.join(d, soname)).find((f) => fs.existsSync(f));
  // Without a libpython where it usually is, ask the interpreter.
  if (!libpython) return null;
  return { requested, executable, venv, major, minor, version: `${major}.${minor}`, abiflags, libpython };
}

// Runs on any Python from 2.7 on, so that an old one is told it is too old.
const ASK = `
import json, os, platform, sys, sysconfig
impl = getattr(sys, 'implementation', None)
v = sysconfig.get_config_var
libdir = v('LIBDIR') or ''
lib = None
for d in (libdir, os.path.join(libdir, v('MULTIARCH') or '')):
    for n in (v('INSTSONAME') or '', v('LDLIBRARY') or ''):
        if '.so' in n and os.path.exists(os.path.join(d, n)):
            lib = lib or os.path.join(d, n)
print(json.dumps({'executable': os.path.realpath(sys.executable), 'implementation': impl.name if impl else platform.python_implementation().lower(),
                  'version': list(sys.version_info[:3]), 'abiflags': getattr(sys, 'abiflags', ''), 'libpython': lib,
                  'freeThreaded': bool(v('Py_GIL_DISABLED'))}))
`;

interface Answer {
  executable: string;
  implementation: string;
  version: [number, number, number];
  abiflags: string;
  libpython: string | null;
  freeThreaded: boolean;
}

/** By running it: what a shim or an unversioned name stands for. */
function byRunning(requested: string, file: string, venv: string | null, origin: string): InstalledPython {
  const r = spawnSync(file, ['-E', '-S', '-c', ASK], { encoding: 'utf8', timeout: 30_000 });
  let answer: Answer | null = null;
  try {
    answer = r.status === 0 ? (JSON.parse(r.stdout.trim().split('\n').pop()!) as Answer) : null;
  } catch {
    answer = null;
  }
  if (!answer) {
    const said = r.error ? `could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`
      : r.status !== 0 ? `exited with ${r.status}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''}`
        : r.stdout.trim() ? `printed ${JSON.stringify(r.stdout.trim().slice(0, 80))}` : 'printed nothing';
    throw new Error(`static-py: ${origin} names ${requested}, which is not a CPython interpreter: asked what it is, it ${said}.`);
  }
  const [major, minor, micro] = answer.version;
  const version = `${major}.${minor}.${micro}`;
  if (answer.implementation !== 'cpython') {
    throw new Error(`static-py: ${origin} names ${requested}, which is ${answer.implementation} ${version}; static-py embeds ${supported}.`);
  }
  if (answer.freeThreaded && major === 3 && minor >= SUPPORTED.min && minor <= SUPPORTED.max) {
    throw new Error(`static-py: ${origin} names ${requested}, a free-threaded build of CPython ${version} (${answer.executable}), ` +
      `which static-py does not support: it assumes a GIL. Name the same CPython's default build (python3.${minor}, not python3.${minor}t).`);
  }
  return { requested, executable: answer.executable, venv, major, minor, version, abiflags: answer.abiflags, libpython: answer.libpython };
}

/**
 * What `python` (a path or a command on PATH) is. `origin` says who named
 * it (STATIC_PY_PYTHON, python.configure({ python })) for the messages.
 * @throws {Error} when it does not exist, does not run, is not CPython, or is older than 3.8.
 */
// What each name was found to be, once per process (asking a shim runs it).
const inspected = new Map<string, InstalledPython>();

export function inspectPython(python: string, origin: string): InstalledPython {
  const known = inspected.get(python);
  if (known) return known;
  const file = locatePython(python, origin);
  const venv = venvOf(file);
  const found = fromFileName(python, fs.realpathSync(file), venv) ?? byRunning(python, file, venv, origin);
  if (found.major !== 3 || found.minor < SUPPORTED.min) {
    throw new Error(`static-py: ${origin} names ${python}, which is Python ${found.version} (${found.executable}); ` +
      `static-py needs CPython 3.${SUPPORTED.min} or newer (it supports ${supported}).`);
  }
  if (found.minor > SUPPORTED.max) {
    throw new Error(`static-py: ${origin} names ${python}, which is CPython ${found.version} (${found.executable}), ` +
      `which static-py has not been tested on; it supports ${supported}.`);
  }
  inspected.set(python, found);
  return found;
}
