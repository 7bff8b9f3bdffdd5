// What the suite runs against: the build static-py itself would select
// (STATIC_PY_PYTHON / STATIC_PY_BUILD / default), its Python, and fixtures
// compiled for that Python: the test extensions as ordinary shared
// libraries, for CPython's own loader to import.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Build, selectBuild } from '../../dist/binding.js';

export const root = path.resolve(__dirname, '..', '..');
export const fixturesDir = path.join(root, 'test', 'fixtures');
export const extDir = path.join(fixturesDir, 'ext');
/** Where pyenv keeps its Pythons (versions/3.X.Y/), whether or not it is installed. */
export const pyenvRoot = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');

let selected: Build | undefined;
/** The build under test, chosen exactly as `require('static-py')` chooses. */
export function build(): Build {
  selected ??= selectBuild();
  return selected;
}

/** [major, minor] of the Python under test. */
export function pyVersion(): [number, number] {
  const [major, minor] = build().info.python.version;
  return [major, minor];
}

export function atLeast(major: number, minor: number): boolean {
  const [a, b] = pyVersion();
  return a > major || (a === major && b >= minor);
}

/**
 * For `skip`: false when the build under test has `module`, else why not.
 * A module left out because a toolchain is missing on this machine (a
 * package such as pybind11-dev would add it) is skipped with the build's
 * reason, which names the package; with STATIC_PY_TEST_TOOLCHAINS=required
 * (CI's full run, where every package is installed) it is not skipped, so
 * its tests fail instead. A module left out because its framework does not
 * support this Python is not skipped: tests pin that.
 */
export function toolchainSkip(module: string): string | false {
  const skipped = build().info.skipped.find((s) => s.name === module);
  if (!skipped || skipped.unsupported || process.env.STATIC_PY_TEST_TOOLCHAINS === 'required') return false;
  return `${module} is not in build ${build().info.tag}: ${skipped.why}`;
}

interface BuildConfig {
  python: { include_dirs: string[]; ext_suffix: string; executable: string };
}

export function buildConfig(): BuildConfig {
  return JSON.parse(fs.readFileSync(path.join(build().dir, 'build-config.json'), 'utf8')) as BuildConfig;
}

/** What scripts/fixture.mjs makes: a test extension, or any sources compiled as one. */
export type FixtureRequest =
  | { source: string; framework: string; module: string }
  | { name: string; sources: string[]; flags?: string[] };

/**
 * Shared libraries for the Python under test, made once per build by the
 * build's own helpers (scripts/fixture.mjs): module or name -> path.
 */
export function fixtureLibraries(requests: FixtureRequest[]): Record<string, string> {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'fixture.mjs'), build().dir, JSON.stringify(requests)], {
    encoding: 'utf8', maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error((r.stderr || String(r.error)).trim());
  return JSON.parse(r.stdout) as Record<string, string>;
}

/**
 * Compiles `sources` (relative to test/fixtures) into a shared library for
 * the Python under test, once per build; returns its path.
 */
export function sharedLibrary(name: string, sources: string[], extraFlags: string[] = []): string {
  return fixtureLibraries([{ name, sources, flags: extraFlags }])[name]!;
}

/**
 * A stand-in interpreter (a shell script named `name`) that answers both of
 * static-py's questions, the build's probe and the run-time inspection,
 * with `answer`: a CPython of any version or build, for the messages each
 * gets.
 */
export function fakePython(answer: { version: [number, number, number]; gilDisabled?: boolean; libpython?: string | null }, name = 'python3'): string {
  const file = path.join(tempDir('static-py-fake-python-'), name);
  const json = JSON.stringify({
    implementation: 'cpython', version: [...answer.version, 'final', 0], executable: file, abiflags: answer.gilDisabled ? 't' : '',
    libpython: answer.libpython ?? null, libpython_shared: answer.libpython ?? null, freeThreaded: Boolean(answer.gilDisabled),
    gil_disabled: Boolean(answer.gilDisabled),
  });
  fs.writeFileSync(file, `#!/bin/sh\ncat <<'EOF'\n${json}\nEOF\n`, { mode: 0o755 });
  return file;
}

const tempDirs: string[] = [];
process.on('exit', () => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'static-py-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
