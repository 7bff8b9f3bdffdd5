// The test extensions built as ordinary shared libraries for a given build's
// Python, so CPython's own loader can import them (the lab's `dynamic`
// loader and the differential tests): C and C++ compiled here, .pyx
// translated and Cargo crates built with the same helpers as the static
// build (scripts/lib), so both forms come from the same generated code.
// Built once per build, rebuilt when a source or the command line changes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { type Build, buildRoot, packageRoot, rebuildCommand } from '../binding.js';
import type { Variant } from './variants.js';

export const fixturesDir = path.join(packageRoot, 'test', 'fixtures');
export const extensionsManifest = path.join(fixturesDir, 'ext', 'manifest.json');

interface Feature {
  ok: boolean;
  why?: string;
  includeDirs?: string[];
}

interface BuildConfig {
  python: { include_dirs: string[]; ext_suffix: string; executable: string };
  features?: Record<string, Feature>;
  skipped?: { name: string; why: string }[];
  modules?: { name: string }[];
}

const configOf = (build: Build): BuildConfig =>
  JSON.parse(fs.readFileSync(path.join(build.dir, 'build-config.json'), 'utf8')) as BuildConfig;

const outDirOf = (build: Build): string => {
  const dir = path.join(buildRoot, 'fixtures', build.info.tag);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

/**
 * Compiles `sources` (relative to test/fixtures, or absolute) into
 * `<name><EXT_SUFFIX>` for `build`; C++ sources with the C++ compiler.
 */
export function compileFixture(build: Build, name: string, sources: string[], flags: string[] = []): string {
  const config = configOf(build);
  const out = path.join(outDirOf(build), `${name}${config.python.ext_suffix || '.so'}`);
  const inputs = sources.map((s) => path.resolve(fixturesDir, s));
  const cxx = inputs.some((i) => /\.(cc|cpp|cxx)$/.test(i));
  const args = ['-shared', '-fPIC', '-O1', '-g', ...(cxx ? ['-std=c++17', '-fvisibility=hidden'] : []),
    ...config.python.include_dirs.map((d) => `-I${d}`), ...flags, ...inputs, '-o', out];
  const stamp = `${out}.cmd`;
  const key = JSON.stringify(args);
  const fresh = fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key &&
    inputs.every((i) => fs.statSync(i).mtimeMs <= fs.statSync(out).mtimeMs);
  if (fresh) return out;
  // Several processes may ask at once: build aside, then rename into place.
  const tmp = `${out}.${process.pid}.tmp`;
  const compiler = cxx ? process.env.CXX || 'c++' : process.env.CC || 'cc';
  const r = spawnSync(compiler, args.map((a) => (a === out ? tmp : a)), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`static-py: compiling the fixture ${name} failed:\n${r.stderr || r.error}`);
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, key);
  return out;
}

interface CythonHelpers {
  CYTHON_CFLAGS: string[];
  translatePyx(o: { pyx: string; moduleName: string; outC: string; cython: Feature }): string;
}
interface CargoHelpers {
  buildCrate(o: { cargoToml: string; crateType: string; targetDir: string; python: string; cargo: Feature }): string;
}
const scriptsLib = (file: string) => import(path.join(packageRoot, 'scripts', 'lib', file));

/** The shared-library form of `variant` for `build`, made the way the static build makes it. */
export async function variantLibrary(build: Build, variant: Variant): Promise<string> {
  const config = configOf(build);
  const feature = (name: string): Feature => {
    const found = config.features?.[name];
    if (!found) {
      throw new Error(`static-py: build ${build.info.tag} does not record its toolchains (it predates them); ` +
        `rebuild it: ${rebuildCommand(config.python.executable)}`);
    }
    return found;
  };
  const source = path.join(fixturesDir, 'ext', variant.source);
  const name = variant.module.slice(variant.module.lastIndexOf('.') + 1);
  switch (variant.framework) {
    case 'pybind11':
      return compileFixture(build, name, [source], (feature('pybind11').includeDirs ?? []).map((d) => `-I${d}`));
    case 'cython': {
      const { CYTHON_CFLAGS, translatePyx } = (await scriptsLib('cython.mjs')) as CythonHelpers;
      const outC = path.join(outDirOf(build), `${name}.c`);
      translatePyx({ pyx: source, moduleName: variant.module, outC, cython: feature('cython') });
      return compileFixture(build, name, [outC], CYTHON_CFLAGS);
    }
    case 'pyo3': {
      const { buildCrate } = (await scriptsLib('cargo.mjs')) as CargoHelpers;
      return buildCrate({
        cargoToml: source, crateType: 'cdylib', targetDir: path.join(outDirOf(build), 'cargo'),
        python: config.python.executable, cargo: feature('cargo'),
      });
    }
    default:
      return compileFixture(build, path.basename(variant.source, '.c'), [source]);
  }
}

/** Whether `build`'s static table holds the test extensions the lab needs. */
export function hasLabModules(build: Build): boolean {
  try {
    return (configOf(build).modules ?? []).some((m) => m.name === '_staticpytest_basic');
  } catch {
    return false;
  }
}

/** null when `build` has `module`, else why it does not. */
export function whyMissing(build: Build, module: string): string | null {
  const config = configOf(build);
  if ((config.modules ?? []).some((m) => m.name === module)) return null;
  return config.skipped?.find((s) => s.name === module)?.why ?? `not in the manifest this build was made from`;
}
