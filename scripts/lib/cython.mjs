// .pyx sources in the manifest: translated to C at build time with the
// machine's cython (features.mjs), then compiled like any C source.
//
// Cython 0.29.32 (Debian bookworm) predates CPython 3.12. Its generated C
// still builds for 3.12 and 3.13 when (1) Cython's own switches turn off
// the code paths that read CPython internals, (2) cython-compat.h maps two
// private functions 3.13 changed, and (3) one block that writes
// PyThreadState.curexc_traceback (gone in 3.12) takes the portable path
// Cython already has for PyPy. Later Cython releases generate the same
// fixes themselves; on their output (3) finds nothing to change.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError } from './python-probe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Cython 0.29 keeps each function's code object and its varnames tuple in
// module statics that only tracebacks with profiling read, so GCC (from -O1)
// drops them as write-only: the objects, meant to live as long as the
// process, are then referenced from nowhere and LeakSanitizer reports them.
// Keep the statics (GCC's flag; other compilers are left as they are).
const keepWriteOnlyStatics = /Free Software Foundation/.test(
  spawnSync(process.env.CC || 'cc', ['--version'], { encoding: 'utf8' }).stdout ?? '',
) ? ['-fno-ipa-reference-addressable'] : [];

/** Flags for compiling what cython generated. */
export const CYTHON_CFLAGS = [
  ...keepWriteOnlyStatics,
  '-DCYTHON_FAST_THREAD_STATE=0',
  '-DCYTHON_USE_PYLONG_INTERNALS=0',
  '-DCYTHON_USE_DICT_VERSIONS=0',
  '-DCYTHON_USE_EXC_INFO_STACK=0',
  '-DCYTHON_FAST_PYCALL=0',
  '-include', path.join(here, 'cython-compat.h'),
];

const RAISE_TB = {
  from: '#if CYTHON_COMPILING_IN_PYPY\n        PyObject *tmp_type, *tmp_value, *tmp_tb;',
  to: '#if CYTHON_COMPILING_IN_PYPY || PY_VERSION_HEX >= 0x030C0000\n        PyObject *tmp_type, *tmp_value, *tmp_tb;',
};

/**
 * Translates `pyx` into `outC` for the module `moduleName` (its full dotted
 * name, so the module knows where it lives). Skipped when neither the
 * source nor the command changed.
 */
export function translatePyx({ pyx, moduleName, outC, cython }) {
  const args = ['-3', '--module-name', moduleName, pyx, '-o', outC];
  const stamp = `${outC}.cmd`;
  const key = crypto.createHash('sha1').update(JSON.stringify([cython.command, cython.version, args, fs.readFileSync(pyx, 'utf8')])).digest('hex');
  if (fs.existsSync(outC) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return outC;
  const r = spawnSync(cython.command, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new BuildError(`static-py: ${cython.command} could not translate ${pyx} for "${moduleName}":\n${(r.stderr || r.stdout || String(r.error)).trim()}`);
  }
  const generated = fs.readFileSync(outC, 'utf8');
  fs.writeFileSync(outC, generated.split(RAISE_TB.from).join(RAISE_TB.to));
  fs.writeFileSync(stamp, key);
  return outC;
}
