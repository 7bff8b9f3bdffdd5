// The test extensions built as ordinary shared libraries for a given build's
// Python, so CPython's own loader can import them (the lab's `dynamic`
// loader and the differential tests). Built once per build, rebuilt when a
// source or the command line changes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { type Build, packageRoot } from '../binding.js';

export const fixturesDir = path.join(packageRoot, 'test', 'fixtures');
export const extensionsManifest = path.join(fixturesDir, 'ext', 'manifest.json');

interface BuildConfig {
  python: { include_dirs: string[]; ext_suffix: string };
}

/** Compiles `sources` (relative to test/fixtures) into `<name><EXT_SUFFIX>` for `build`. */
export function compileFixture(build: Build, name: string, sources: string[], flags: string[] = []): string {
  const config = JSON.parse(fs.readFileSync(path.join(build.dir, 'build-config.json'), 'utf8')) as BuildConfig;
  const outDir = path.join(packageRoot, 'build', 'fixtures', build.info.tag);
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${name}${config.python.ext_suffix || '.so'}`);
  const inputs = sources.map((s) => path.join(fixturesDir, s));
  const args = ['-shared', '-fPIC', '-O1', '-g', ...config.python.include_dirs.map((d) => `-I${d}`), ...flags, ...inputs, '-o', out];
  const stamp = `${out}.cmd`;
  const key = JSON.stringify(args);
  const fresh = fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key &&
    inputs.every((i) => fs.statSync(i).mtimeMs <= fs.statSync(out).mtimeMs);
  if (fresh) return out;
  // Several processes may ask at once: build aside, then rename into place.
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(process.env.CC || 'cc', args.map((a) => (a === out ? tmp : a)), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`static-py: compiling the fixture ${name} failed:\n${r.stderr || r.error}`);
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, key);
  return out;
}

/** Whether `build`'s static table holds the test extensions the lab needs. */
export function hasLabModules(build: Build): boolean {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(build.dir, 'build-config.json'), 'utf8')) as { modules?: { name: string }[] };
    return (config.modules ?? []).some((m) => m.name === '_staticpytest_basic');
  } catch {
    return false;
  }
}
