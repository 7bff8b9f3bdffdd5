// The package as a user meets it: entry points for CommonJS and ESM, types,
// and the static-py command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { type Build, loadBuild, NATIVE_API } from '../dist/binding.js';
import { build, root, tempDir } from './helpers/build.js';
import { runChild } from './helpers/child.js';

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('the package', () => {
  it('names its CommonJS and ESM entry points, its types and its bin', () => {
    assert.equal(pkg.name, 'static-py');
    assert.equal(pkg.main, './dist/index.js');
    assert.equal(pkg.types, './dist/index.d.ts');
    assert.deepEqual(pkg.exports['.'].require, { types: './dist/index.d.ts', default: './dist/index.js' });
    assert.deepEqual(pkg.exports['.'].import, { types: './dist/index.d.mts', default: './dist/index.mjs' });
    assert.equal(pkg.bin['static-py'], './dist/cli.js');
    assert.deepEqual(pkg.exports['./lab'].require, { types: './dist/lab/index.d.ts', default: './dist/lab/index.js' });
    assert.deepEqual(pkg.exports['./lab'].import, { types: './dist/lab/index.d.mts', default: './dist/lab/index.mjs' });
    for (const file of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/cli.js', 'dist/lab/index.js', 'dist/lab/index.mjs']) {
      assert.ok(fs.existsSync(path.join(root, file)), `${file} is built`);
    }
  });

  it('ships what a build and `static-py lab` need: native sources, scripts and the test extensions', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const needed of ['binding.gyp', 'scripts/build.mjs', 'native/addon.cc', 'dist/lab/child.js',
      'test/fixtures/ext/manifest.json', 'test/fixtures/ext/singlephase.c', 'test/fixtures/ext/multiphase.c']) {
      assert.ok(files.has(needed), `the package has ${needed}`);
    }
    const stray = [...files].filter((f) => f.startsWith('build/') || f.startsWith('builds/') || (f.startsWith('test/') && !f.startsWith('test/fixtures/ext/')));
    assert.deepEqual(stray, [], 'no build output, and no tests beyond the test extensions');
  });

  it('refuses a native build made from other sources, naming it and the remedy', () => {
    const addon = fs.readFileSync(path.join(root, 'native', 'addon.cc'), 'utf8');
    assert.equal(Number(/constexpr uint32_t kNativeApi = (\d+);/.exec(addon)?.[1]), NATIVE_API, 'native/addon.cc and lib/binding.ts agree');
    const dir = tempDir();
    const file = path.join(dir, 'static_py.js');
    fs.writeFileSync(file, `module.exports = { nativeApi: ${NATIVE_API - 1} };`);
    const stale = { file, dir, info: { tag: 'cp311', python: { executable: '/usr/bin/python3.11', version: [3, 11, 2] } } } as unknown as Build;
    assert.throws(() => loadBuild(stale), {
      message: `static-py: ${file} was built from other sources than this package (native API ${NATIVE_API - 1}, this package needs ${NATIVE_API}).\n` +
        'Remedy: rebuild it: STATIC_PY_PYTHON=/usr/bin/python3.11 npm run build',
    });
  });

  it('loads none of the lab, and needs neither scripts/ nor test/fixtures/ at run time', () => {
    // A copy of the package with only what the library itself reads: dist/,
    // package.json, the native build, and the layout table.
    const copy = path.join(tempDir(), 'static-py');
    fs.mkdirSync(path.join(copy, 'builds'), { recursive: true });
    fs.cpSync(path.join(root, 'dist'), path.join(copy, 'dist'), { recursive: true });
    fs.rmSync(path.join(copy, 'dist', 'lab'), { recursive: true });
    fs.cpSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
    fs.cpSync(path.join(root, 'native', 'cpython'), path.join(copy, 'native', 'cpython'), { recursive: true });
    fs.cpSync(build().dir, path.join(copy, 'builds', build().info.tag), { recursive: true });
    const r = spawnSync(process.execPath, ['-e', `
      const { python } = require(${JSON.stringify(copy)});
      const answer = python.main.eval('6 * 7');
      const loaded = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(copy)})).map((f) => f.slice(${copy.length + 1}));
      console.log(JSON.stringify({ answer, loaded, binding: 'binding' in python }));
    `], { encoding: 'utf8', env: { ...process.env, STATIC_PY_BUILD: build().info.tag } });
    assert.equal(r.status, 0, r.stderr);
    const { answer, loaded, binding } = JSON.parse(r.stdout) as { answer: number; loaded: string[]; binding: boolean };
    assert.equal(answer, 42);
    assert.deepEqual(loaded.filter((f) => !f.startsWith('dist/') || f.startsWith('dist/lab/')), [`builds/${build().info.tag}/static_py.node`]);
    assert.equal(binding, false, 'the native binding is not public API');
  });

  it('works from ESM with the same objects as from CommonJS', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { python, PythonError, PyObject } from 'static-py';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('static-py');
      console.log(JSON.stringify([python === cjs.python, PythonError === cjs.PythonError, PyObject === cjs.PyObject, python.main.eval('7 * 6')]));
    `], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[true,true,true,42]');
  });

  it('type-checks a program written against the public types', () => {
    const dir = path.join(root, 'builds', 'type-check');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'usage.ts'), `
      import { python, PythonError, PyObject, type Interpreter, type LoaderSettings, type PyModuleInfo, type PythonVersion } from 'static-py';
      import { moduleState, type ModuleState } from 'static-py/lab';
      const v: PythonVersion = python.version;
      const settings: LoaderSettings = python.loader;
      const state: ModuleState = moduleState(python.main, 'sys');
      console.log(settings.loader, state.initKind);
      const main: Interpreter = python.main;
      const info: PyModuleInfo = main.import('json');
      const n: unknown = main.call('math.hypot', 3, 4, { kwargs: {} });
      const o = main.eval('{1}');
      if (o instanceof PyObject) o.release();
      try { main.exec('raise ValueError'); } catch (e) { if (e instanceof PythonError) console.log(e.pythonType, e.pythonTraceback); }
      console.log(v.major, info.loader, n);
    `);
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'ES2022', '--types', 'node', '--skipLibCheck', path.join(dir, 'usage.ts')], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('has a static-py command that describes the build', async () => {
    const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'info'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^build {7}\S+ \((shared|static) libpython/m);
    assert.match(r.stdout, /^python {6}3\.\d+\.\d+/m);
    const builds = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'builds'], { cwd: root, encoding: 'utf8' });
    assert.equal(builds.status, 0, builds.stderr);
    assert.match(builds.stdout, new RegExp(`^[* ] ${build().info.tag.replace(/[.]/g, '\\.')} +Python 3\\.\\d+\\.\\d+ +/`, 'm'));
    assert.equal(builds.stdout.split('\n').filter((l) => /^\* \S+ +Python /.test(l)).length, 1, 'one build is marked the default');
    const bad = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'frobnicate'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'frobnicate'/);
  });

  it('loads without starting Python until the main interpreter is needed', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      const before = python.version;
      const addon = require(require.resolve('static-py').replace(/dist.index\\.js$/, '') + 'builds/' + before.tag + '/static_py.node');
      console.log(JSON.stringify([addon.version().started, python.main.eval('1'), addon.version().started]));`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[false,1,true]');
  });
});
