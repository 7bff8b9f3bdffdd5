// The build: choosing the Python, and the manifest's checks. A bad Python
// or a bad manifest fails the build with one message that names the cause.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { build, fakePython, pyenvRoot, root, tempDir } from './helpers/build.js';

const buildScript = path.join(root, 'scripts', 'build.mjs');
// The build's helpers are plain ESM; load them the way the build does.
const load = <T>(file: string): Promise<T> => import(path.join(root, 'scripts', 'lib', file)) as Promise<T>;

interface ManifestModule {
  loadManifest(located: { file: string; origin: string }, context?: object): { modules: { name: string; symbol: string }[] };
  groupModules(modules: unknown[]): { modules: { name: string; linkSymbol: string }[] }[];
  defaultInitSymbol(name: string): string;
}

function writeManifest(modules: unknown[], sources: Record<string, string> = {}): string {
  const dir = tempDir('static-py-manifest-');
  for (const [name, text] of Object.entries(sources)) fs.writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(file, JSON.stringify({ modules }));
  return file;
}

const runBuild = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [buildScript, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('choosing the Python at build time', () => {
  it('fails with one message naming STATIC_PY_PYTHON when that Python does not exist', () => {
    const r = runBuild([], { STATIC_PY_PYTHON: '/nonexistent/python3' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n')[0], "static-py: cannot run the Python chosen by STATIC_PY_PYTHON: '/nonexistent/python3' (ENOENT).");
    assert.match(r.stderr, /Set STATIC_PY_PYTHON to a CPython 3\.8\+ interpreter built with a shared libpython/);
  });

  it('refuses a Python older than 3.8 by its version', (t) => {
    const old = ['3.7.16', '3.6.15', '2.7.18']
      .map((v) => path.join(path.dirname(path.dirname(path.dirname(build().info.python.executable))), v, 'bin', 'python'))
      .find((p) => fs.existsSync(p));
    if (!old) return t.skip('no Python older than 3.8 next to the one under test');
    const r = runBuild(['--python', old]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is Python [23]\.\d+\.\d+; static-py needs CPython 3\.8 or newer \(it supports CPython 3\.8-3\.14\)/);
  });
});

describe('one build description for node-gyp and cmake-js', () => {
  it('has binding.gyp and CMakeLists.txt read every list from build-config.json, and name no source themselves', () => {
    const config = JSON.parse(fs.readFileSync(path.join(build().dir, 'build-config.json'), 'utf8')) as { gyp: Record<string, string[]> };
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
    for (const key of Object.keys(config.gyp)) {
      assert.match(gyp, new RegExp(`gyp-config\\.mjs ${key}\\)`), `binding.gyp reads ${key}`);
      assert.match(cmake, new RegExp(`description_list\\(\\w+ ${key}\\)`), `CMakeLists.txt reads ${key}`);
    }
    for (const text of [gyp, cmake]) assert.doesNotMatch(text, /\.(cc|c|h)\b/);
    const native = fs.readdirSync(path.join(root, 'native'), { recursive: true }).map(String).filter((f) => /\.(cc|c)$/.test(f));
    assert.deepEqual(config.gyp.sources!.filter((f) => f.startsWith('native/')).sort(), native.map((f) => `native/${f}`).sort());
    assert.ok(config.gyp.sources!.some((f) => f.endsWith('gen/static_table.cc')), 'the generated table is a source');
  });

  it('refuses CMakeLists.txt run without scripts/build.mjs, and names the command to use', () => {
    const cmake = spawnSync('cmake', ['-S', root, '-B', tempDir('static-py-cmake-')], { encoding: 'utf8', env: { ...process.env, STATIC_PY_BUILD_CONFIG: '' } });
    assert.notEqual(cmake.status, 0);
    // CMake wraps the message at 80 columns.
    assert.match(cmake.stderr.replace(/\s+/g, ' '), /CMakeLists\.txt is driven by scripts\/build\.mjs; run `npm run build:cmake`/);
  });

  it('refuses `node-gyp rebuild` run directly, naming the command to use, and leaves every build in builds/', () => {
    // A copy of the package's build files, with builds of its own: node-gyp
    // cleans build/ first, whatever it later refuses.
    const pkg = tempDir('static-py-gyp-');
    for (const file of ['binding.gyp', 'package.json', 'scripts/gyp-config.mjs', 'scripts/lib/paths.mjs']) {
      fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(pkg, file));
    }
    const builds = ['builds/cp311/static_py.node', 'builds/cp312-lab/static_py.node', 'builds/default.json'];
    for (const file of [...builds, 'build/Release/obj.target/x.o']) {
      fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
      fs.writeFileSync(path.join(pkg, file), 'a build');
    }
    const nodedir = path.resolve(process.execPath, '..', '..');
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', `--nodedir=${nodedir}`],
      { cwd: pkg, encoding: 'utf8', env: { ...process.env, STATIC_PY_BUILD_CONFIG: '' } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /static-py: binding\.gyp is driven by scripts\/build\.mjs; run `npm run build` \(with STATIC_PY_PYTHON=\/path\/to\/python3 for another Python\) instead of node-gyp directly\. The builds in builds\/ are untouched\./);
    for (const file of builds) assert.equal(fs.readFileSync(path.join(pkg, file), 'utf8'), 'a build', `${file} is still there`);
  });

  it('makes a plain build the default however its Python was named, and no variant or --no-default one', async () => {
    const { makesDefault } = (await import(buildScript)) as { makesDefault(values: Record<string, unknown>): boolean };
    assert.equal(makesDefault({}), true, 'npm run build, with or without STATIC_PY_PYTHON');
    assert.equal(makesDefault({ python: '/usr/bin/python3.11' }), true, 'npm run build -- --python X');
    assert.equal(makesDefault({ install: true }), true, 'npm install');
    for (const variant of [{ debug: true }, { sanitize: true }, { tag: 'x' }, { 'tag-suffix': 'lab' }, { 'no-default': true }, { all: true }]) {
      assert.equal(makesDefault({ python: '/usr/bin/python3.11', ...variant }), false, JSON.stringify(variant));
    }
  });

  it('refuses a Python it does not support at build time, naming its version and what static-py supports', async () => {
    const { probePython, SUPPORTED } = await load<{ probePython(p: string, origin: string): unknown; SUPPORTED: { min: number; max: number } }>('python-probe.mjs');
    const { SUPPORTED: atRunTime } = await import(path.join(root, 'dist', 'installed-python.js')) as { SUPPORTED: object };
    assert.deepEqual(SUPPORTED, atRunTime, 'the build and the loader support the same versions');
    const refused = (answer: Parameters<typeof fakePython>[0]) => {
      const python = fakePython(answer);
      assert.throws(() => probePython(python, 'STATIC_PY_PYTHON'));
      try { probePython(python, 'STATIC_PY_PYTHON'); } catch (e) { return (e as Error).message.split('\n')[0]!.replace(python, 'PY'); }
      return '';
    };
    assert.equal(refused({ version: [3, 15, 0] }),
      "static-py: 'PY' (STATIC_PY_PYTHON) is CPython 3.15.0, which static-py has not been tested on; it supports CPython 3.8-3.14.");
    assert.equal(refused({ version: [3, 7, 16] }),
      "static-py: 'PY' (STATIC_PY_PYTHON) is Python 3.7.16; static-py needs CPython 3.8 or newer (it supports CPython 3.8-3.14).");
    assert.equal(refused({ version: [3, 14, 7], gilDisabled: true }),
      "static-py: 'PY' (STATIC_PY_PYTHON) is a free-threaded build of CPython 3.14.7 (no GIL), which static-py does not support: " +
      'its rules for thread states, its extension caches and the frameworks it builds assume a GIL. ' +
      'Use the same CPython\'s default build (python3.14, not python3.14t).');
  });

  it('refuses a CPython 3.14 without a shared libpython, naming it and how to configure one', async () => {
    const { probePython, libpythonLinkage } = await load<{
      probePython(p: string, origin: string): unknown; libpythonLinkage(info: unknown, link: string): unknown;
    }>('python-probe.mjs');
    const python = fakePython({ version: [3, 14, 7], libpython: null });
    assert.throws(() => libpythonLinkage(probePython(python, 'STATIC_PY_PYTHON'), 'shared'), {
      message: `static-py: ${python} (Python 3.14) has no shared libpython (configure it with --enable-shared, ` +
        'e.g. PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install).',
    });
  });

  const freeThreaded = path.join(pyenvRoot, 'versions', '3.14.7t', 'bin', 'python3.14t');
  it('refuses to build for a real free-threaded CPython 3.14t', { skip: !fs.existsSync(freeThreaded) && `no ${freeThreaded} here` }, () => {
    const r = runBuild(['--python', freeThreaded]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is a free-threaded build of CPython 3\.14\.\d+ \(no GIL\), which static-py does not support/);
  });

  it('refuses an unknown backend by name', () => {
    const r = runBuild(['--backend', 'meson']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--backend must be "gyp" or "cmake", not "meson"/);
  });
});

describe("the table of CPython's private layouts", () => {
  it('agrees with every CPython on this machine that it lists (scripts/check-layouts.mjs --check)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-layouts.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('lets a build run on another patch release only where the table says that release has its layout', async () => {
    const { layoutProblem } = await import(path.join(root, 'dist', 'layouts.js')) as typeof import('../dist/layouts.js');
    const table = { layouts: { '3.11.2': 'aaaa', '3.11.7': 'aaaa', '3.11.4': 'bbbb' } };
    const made = { compiledWith: '3.11.7', layout: 'aaaa', debug: false };
    assert.equal(layoutProblem({ ...made, release: '3.11.7' }, { layouts: {} }), null, 'its own release always');
    assert.equal(layoutProblem({ ...made, release: '3.11.2' }, table), null);
    assert.equal(layoutProblem({ ...made, release: '3.11.4' }, table),
      "it was compiled against CPython 3.11.7's private structures, and CPython 3.11.4, which this process runs, lays them out differently");
    assert.equal(layoutProblem({ ...made, release: '3.11.9' }, table),
      "it was compiled against CPython 3.11.7's private structures (checked to share it: 3.11.2, 3.11.7), and this process runs CPython 3.11.9, whose layout static-py has not checked");
    assert.match(layoutProblem({ ...made, release: '3.11.2', debug: true }, table)!, /3\.11\.2, whose layout static-py has not checked$/);
  });
});

describe('the manifest', () => {
  it('derives PyInit_<last part>, and PyInitU_<punycode> for non-ASCII names as CPython does', async () => {
    const { defaultInitSymbol } = await load<ManifestModule>('manifest.mjs');
    assert.equal(defaultInitSymbol('pkg.sub'), 'PyInit_sub');
    assert.equal(defaultInitSymbol('pkg.naïve'), 'PyInitU_nave_6pa');
    const pythonSays = spawnSync(build().info.python.executable, ['-c', 'print("café_crème_日本".encode("punycode").decode().replace("-", "_"))'], { encoding: 'utf8' });
    assert.equal(defaultInitSymbol('x.café_crème_日本'), `PyInitU_${pythonSays.stdout.trim()}`);
  });

  it('names both entries when a module is listed twice', async () => {
    const { loadManifest } = await load<ManifestModule>('manifest.mjs');
    const file = writeManifest([{ name: 'm.x', sources: ['a.c'] }, { name: 'm.y', sources: ['a.c'] }, { name: 'm.x', sources: ['a.c'] }], { 'a.c': '' });
    assert.throws(() => loadManifest({ file, origin: 'test' }),
      { message: `static-py: the module "m.x" is listed twice in ${file}: manifest.json entry 1 ("m.x") and manifest.json entry 3 ("m.x").` });
  });

  it('names both entries when two modules from the same sources share an init symbol', async () => {
    const { loadManifest, groupModules } = await load<ManifestModule>('manifest.mjs');
    const file = writeManifest([{ name: 'one', sources: ['a.c'], symbol: 'PyInit_same' }, { name: 'two', sources: ['a.c'], symbol: 'PyInit_same' }], { 'a.c': '' });
    const { modules } = loadManifest({ file, origin: 'test' });
    assert.throws(() => groupModules(modules), {
      message: 'static-py: the modules "one" (manifest.json entry 1 ("one")) and "two" (manifest.json entry 2 ("two")) are built from the same ' +
        'sources and both use the init symbol PyInit_same; give one of them its own "symbol".',
    });
  });

  it('gives a.util and b.util, built from different sources, different link symbols', async () => {
    const { loadManifest, groupModules } = await load<ManifestModule>('manifest.mjs');
    const file = writeManifest([{ name: 'a.util', sources: ['a.c'] }, { name: 'b.util', sources: ['b.c'] }], { 'a.c': '', 'b.c': '' });
    const groups = groupModules(loadManifest({ file, origin: 'test' }).modules);
    const symbols = groups.flatMap((g) => g.modules.map((m) => m.linkSymbol));
    assert.equal(new Set(symbols).size, 2);
    assert.ok(symbols.every((s) => s.endsWith('_PyInit_util')));
  });

  it('refuses a built-in module name, an unknown field, a missing source and a malformed name', async () => {
    const { loadManifest } = await load<ManifestModule>('manifest.mjs');
    const ok = { 'a.c': '' };
    const cases: [unknown[], RegExp][] = [
      [[{ name: 'sys', sources: ['a.c'] }], /entry 1 \("sys"\): "sys" is a built-in module of this Python \(sys\.builtin_module_names\)/],
      [[{ name: 'x', sources: ['a.c'], source: 'typo' }], /entry 1 \("x"\) has unknown field\(s\) "source"; known fields are name, sources/],
      [[{ name: 'x', sources: ['missing.c'] }], /entry 1 \("x"\): .*missing\.c does not exist/],
      [[{ name: 'x..y', sources: ['a.c'] }], /entry 1 \("x\.\.y"\): the module name "x\.\.y" has an empty component/],
      [[{ name: 'x.1y', sources: ['a.c'] }], /the module name "x\.1y" has a component that is not an identifier: '1y'/],
    ];
    for (const [modules, message] of cases) {
      const file = writeManifest(modules, ok);
      assert.throws(() => loadManifest({ file, origin: 'test' }, { builtinNames: ['sys', 'builtins'] }), { message });
    }
  });

  it('skips a module whose toolchain is missing, with the reason, and keeps the rest', async () => {
    const { loadManifest } = await load<ManifestModule>('manifest.mjs');
    const file = writeManifest([
      { name: 'plain', sources: ['a.c'] },
      { name: 'bound', sources: ['b.cpp'], requires: ['pybind11'] },
      { name: 'cy.mod', sources: ['m.pyx'] },
      { name: 'rs.mod', crate: 'Cargo.toml' },
      { name: 'rs.new', crate: 'Cargo.toml', requires: ['pyo3'] },
    ], { 'a.c': '', 'b.cpp': '', 'm.pyx': '', 'Cargo.toml': '' });
    const features = {
      pybind11: { ok: false, why: 'pybind11 headers not found' },
      cython: { ok: false, why: 'no cython command' },
      cargo: { ok: true },
      pyo3: { ok: false, unsupported: true, why: 'PyO3 0.17.3 supports CPython up to 3.11; this is 3.12' },
    };
    const { modules, skipped } = loadManifest({ file, origin: 'test' }, { features }) as unknown as
      { modules: { name: string }[]; skipped: { name: string; why: string; unsupported: boolean }[] };
    assert.deepEqual(modules.map((m) => m.name), ['plain', 'rs.mod']);
    assert.deepEqual(skipped, [
      { name: 'bound', why: 'pybind11: pybind11 headers not found', unsupported: false },
      { name: 'cy.mod', why: 'cython: no cython command', unsupported: false },
      { name: 'rs.new', why: 'pyo3: PyO3 0.17.3 supports CPython up to 3.11; this is 3.12', unsupported: true },
    ]);
  });

  it('finds no toolchain where there is none, and says how to get each', async () => {
    const { detectFeatures } = await load<{ detectFeatures(info: object, env: object): Record<string, { ok: boolean; why?: string }> }>('features.mjs');
    const info = { executable: build().info.python.executable, major: 3, minor: 11 };
    const f = detectFeatures(info, { PATH: tempDir(), STATIC_PY_CARGO_REGISTRY: '/nonexistent' });
    assert.deepEqual(f.cython, { ok: false, why: 'no cython command (apt-get install cython3, or set STATIC_PY_CYTHON)' });
    assert.deepEqual(f.cargo, { ok: false, why: 'no cargo on PATH (install Rust, or set CARGO)' });
    assert.deepEqual(f.pyo3, { ok: false, why: 'no cargo on PATH (install Rust, or set CARGO)' });
  });

  it('refuses a STATIC_PY_CYTHON that does not work, rather than use another cython', async () => {
    const { detectFeatures } = await load<{ detectFeatures(info: object, env: object): Record<string, { ok: boolean; why?: string }> }>('features.mjs');
    const info = { executable: build().info.python.executable, major: 3, minor: 11 };
    assert.throws(() => detectFeatures(info, { PATH: process.env.PATH, STATIC_PY_CYTHON: '/nowhere/cython' }), {
      message: "static-py: STATIC_PY_CYTHON is '/nowhere/cython', which is not a working cython (`/nowhere/cython --version`: ENOENT); " +
        'fix it, or unset it to use cython3 from PATH.',
    });
    assert.throws(() => detectFeatures(info, { PATH: process.env.PATH, STATIC_PY_CYTHON: '/bin/false' }), {
      message: /^static-py: STATIC_PY_CYTHON is '\/bin\/false', which is not a working cython \(`\/bin\/false --version`: exit 1: .*\); fix it, or unset it to use cython3 from PATH\.$/,
    });
  });

  it("builds PyO3 only for the CPython versions its release supports", async () => {
    const { detectFeatures } = await load<{ detectFeatures(info: object, env: object): Record<string, { ok: boolean; why?: string }> }>('features.mjs');
    const registry = tempDir();
    fs.mkdirSync(path.join(registry, 'pyo3-0.17.3'));
    const env = { PATH: process.env.PATH, CARGO: '/bin/true', STATIC_PY_CARGO_REGISTRY: registry };
    const at = (minor: number) => detectFeatures({ executable: build().info.python.executable, major: 3, minor }, env).pyo3;
    assert.deepEqual(at(11), { ok: true, version: '0.17.3' });
    assert.deepEqual(at(12), { ok: false, unsupported: true, version: '0.17.3', why: 'PyO3 0.17.3 supports CPython up to 3.11; this is 3.12' });
    fs.rmdirSync(path.join(registry, 'pyo3-0.17.3'));
    assert.deepEqual(at(11), { ok: false, why: `no pyo3 crate in ${registry} (apt-get install librust-pyo3-dev)` });
  });

  it('refuses two modules from one .pyx: cython makes one module per translation', async () => {
    const { loadManifest, groupModules } = await load<ManifestModule>('manifest.mjs');
    const file = writeManifest([{ name: 'a.m', sources: ['m.pyx'] }, { name: 'b.m', sources: ['m.pyx'] }], { 'm.pyx': '' });
    const { modules } = loadManifest({ file, origin: 'test' }, { features: { cython: { ok: true } } });
    assert.throws(() => groupModules(modules), { message: /"a\.m" .* and "b\.m" .* are built from the same \.pyx source; cython makes one module per translation/ });
  });

  it('fails the build naming the entry whose sources do not define its init function', () => {
    const file = writeManifest([{ name: 'lonely', sources: ['lonely.c'] }], { 'lonely.c': '#include <Python.h>\nPyMODINIT_FUNC PyInit_other(void) { return NULL; }\n' });
    const r = runBuild(['--python', build().info.python.executable, '--manifest', file, '--tag', 'test-missing-symbol', '--quiet']);
    fs.rmSync(path.join(root, 'builds', 'test-missing-symbol'), { recursive: true, force: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /manifest\.json entry 1 \("lonely"\): none of its sources defines the init function PyInit_lonely \(looked in .*lonely\.c\)\. Set "symbol"/);
  });

  it('fails the build with the compiler output when a source does not compile', () => {
    const file = writeManifest([{ name: 'broken_c', sources: ['broken.c'] }], { 'broken.c': 'this is not C;\n' });
    const r = runBuild(['--python', build().info.python.executable, '--manifest', file, '--tag', 'test-compile-error', '--quiet']);
    fs.rmSync(path.join(root, 'builds', 'test-compile-error'), { recursive: true, force: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /static-py: compiling .*broken\.c for "broken_c" failed:/);
    assert.match(r.stderr, /error:/);
  });
});
