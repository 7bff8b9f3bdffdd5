// The test extensions as ordinary shared libraries for a given build's
// Python, so CPython's own loader can import them (the lab's `dynamic`
// loader and the differential tests): C and C++ compiled here, .pyx
// translated and Cargo crates built with the same helpers as the static
// build, so both forms come from the same generated code. Built once per
// build into builds/fixtures/<tag>/, rebuilt when a source or the command
// line changes. scripts/fixture.mjs is its command line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildCrate } from './cargo.mjs';
import { CYTHON_CFLAGS, translatePyx } from './cython.mjs';
import { buildsDir, rebuildCommand, root } from './paths.mjs';
import { BuildError } from './python-probe.mjs';

export const fixturesDir = path.join(root, 'test', 'fixtures');

export const configOf = (buildDir) => JSON.parse(fs.readFileSync(path.join(buildDir, 'build-config.json'), 'utf8'));

export function outDirOf(buildDir) {
  const dir = path.join(buildsDir, 'fixtures', path.basename(buildDir));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Compiles `sources` (relative to test/fixtures, or absolute) into
 * `<name><EXT_SUFFIX>` for the build in `buildDir`; C++ sources with the
 * C++ compiler, into `subdir` of the build's fixture directory, linked
 * with `libs` (-l flags, archives). Returns the library's path. STATIC_PY_SHARED_FORM tells a
 * source it is the form CPython's own loader imports (test/fixtures/ext/broken.c).
 */
export function compileFixture(buildDir, name, sources, flags = [], { subdir = '', libs = [] } = {}) {
  const config = configOf(buildDir);
  const dir = path.join(outDirOf(buildDir), subdir);
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${name}${config.python.ext_suffix || '.so'}`);
  const inputs = sources.map((s) => path.resolve(fixturesDir, s));
  const cxx = inputs.some((i) => /\.(cc|cpp|cxx)$/.test(i));
  const args = ['-shared', '-fPIC', '-O1', '-g', ...(cxx ? ['-std=c++17', '-fvisibility=hidden'] : []),
    ...config.python.include_dirs.map((d) => `-I${d}`), '-DSTATIC_PY_SHARED_FORM=1', ...flags, ...inputs, ...libs, '-o', out];
  const stamp = `${out}.cmd`;
  const key = JSON.stringify(args);
  const fresh = fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key &&
    inputs.every((i) => fs.statSync(i).mtimeMs <= fs.statSync(out).mtimeMs);
  if (fresh) return out;
  // Several processes may ask at once: build aside, then rename into place.
  const tmp = `${out}.${process.pid}.tmp`;
  const compiler = cxx ? process.env.CXX || 'c++' : process.env.CC || 'cc';
  const r = spawnSync(compiler, args.map((a) => (a === out ? tmp : a)), { encoding: 'utf8' });
  if (r.status !== 0) throw new BuildError(`static-py: compiling the fixture ${name} failed:\n${r.stderr || r.error}`);
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, key);
  return out;
}

/**
 * The shared-library form of one test extension for the build in
 * `buildDir`: `{ source (relative to test/fixtures/ext), framework
 * ('c' | 'pybind11' | 'cython' | 'pyo3'), module (its full name) }`.
 */
export function variantLibrary(buildDir, { source, framework, module }) {
  const config = configOf(buildDir);
  const feature = (name) => {
    const found = config.features?.[name];
    if (!found) {
      throw new BuildError(`static-py: build ${path.basename(buildDir)} does not record its toolchains (it predates them); ` +
        `rebuild it: ${rebuildCommand()}`);
    }
    return found;
  };
  const file = path.join(fixturesDir, 'ext', source);
  const name = module.slice(module.lastIndexOf('.') + 1);
  switch (framework) {
    case 'pybind11':
      return compileFixture(buildDir, name, [file], (feature('pybind11').includeDirs ?? []).map((d) => `-I${d}`));
    case 'cython': {
      const outC = path.join(outDirOf(buildDir), `${name}.c`);
      translatePyx({ pyx: file, moduleName: module, outC, cython: feature('cython') });
      return compileFixture(buildDir, name, [outC], CYTHON_CFLAGS);
    }
    case 'pyo3':
      return buildCrate({
        cargoToml: file, crateType: 'cdylib', targetDir: path.join(outDirOf(buildDir), 'cargo'),
        python: config.python.executable, cargo: feature('cargo'),
      });
    default:
      return compileFixture(buildDir, path.basename(source, '.c'), [file]);
  }
}
