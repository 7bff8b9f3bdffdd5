// A manifest a user supplies (STATIC_PY_EXTENSIONS) builds into its own
// addon, and its modules import from it: C and C++, a define, a library.
// Once the manifest changes, the build says it is older than its manifest.
// --no-table links the same code with nothing registered.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { build, root, tempDir } from './helpers/build.js';
import { childJson } from './helpers/child.js';

const tag = `test-user-manifest-${process.pid}`;
const otherTag = `test-other-manifest-${process.pid}`;
const noTableTag = `test-no-table-${process.pid}`;

describe('a user manifest', () => {
  after(() => {
    for (const t of [tag, otherTag, noTableTag]) fs.rmSync(path.join(root, 'builds', t), { recursive: true, force: true });
  });

  it('named by STATIC_PY_EXTENSIONS builds into the addon, alongside another build made at the same time, and its modules import', async () => {
    const dir = tempDir('static-py-user-');
    fs.writeFileSync(path.join(dir, 'fast.c'), `
      #include <Python.h>
      #include <math.h>
      static PyObject *hyp(PyObject *self, PyObject *args) {
        double a, b;
        if (!PyArg_ParseTuple(args, "dd", &a, &b)) return NULL;
        return PyFloat_FromDouble(hypot(a, b) * SCALE);
      }
      static PyMethodDef methods[] = {{"hyp", hyp, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
      static PyModuleDef def = {PyModuleDef_HEAD_INIT, "fast", NULL, -1, methods};
      PyMODINIT_FUNC PyInit_fast(void) { return PyModule_Create(&def); }`);
    fs.mkdirSync(path.join(dir, 'include'));
    fs.writeFileSync(path.join(dir, 'include', 'greeting.h'), '#define GREETING "hello from C++"\n');
    fs.writeFileSync(path.join(dir, 'greet.cc'), `
      #include <Python.h>
      #include <string>
      #include "greeting.h"
      static int exec_greet(PyObject *m) { return PyModule_AddStringConstant(m, "TEXT", std::string(GREETING).c_str()); }
      static PyModuleDef_Slot slots[] = {{Py_mod_exec, reinterpret_cast<void *>(exec_greet)}, {0, nullptr}};
      static PyModuleDef def = {PyModuleDef_HEAD_INIT, "greet", nullptr, 0, nullptr, slots, nullptr, nullptr, nullptr};
      PyMODINIT_FUNC PyInit_greet(void) { return PyModuleDef_Init(&def); }`);
    const manifest = path.join(dir, 'extensions.json');
    fs.writeFileSync(manifest, JSON.stringify({
      modules: [
        { name: 'userpkg.fast', sources: ['fast.c'], defines: { SCALE: '2' }, libraries: ['-lm'] },
        { name: 'userpkg.tools.greet', sources: ['greet.cc'], includeDirs: ['include'] },
      ],
    }));
    // A second build at the same time, of another manifest: node-gyp's one
    // scratch directory must not mix the two.
    const otherManifest = path.join(dir, 'other.json');
    fs.writeFileSync(path.join(dir, 'other.c'), fs.readFileSync(path.join(dir, 'fast.c'), 'utf8').replace('PyInit_fast', 'PyInit_other'));
    fs.writeFileSync(otherManifest, JSON.stringify({ modules: [{ name: 'elsewhere.other', sources: ['other.c'], defines: { SCALE: '3' } }] }));
    const buildAsync = (t: string, m: string, ...options: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--python', build().info.python.executable, '--tag', t, ...options],
        { cwd: root, env: { ...process.env, STATIC_PY_EXTENSIONS: m } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d));
      c.stderr.on('data', (d: Buffer) => (stderr += d));
      c.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const [r, other] = await Promise.all([buildAsync(tag, manifest), buildAsync(otherTag, otherManifest)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(other.status, 0, other.stderr);
    assert.match(r.stdout, /static table: 2 module\(s\)/);
    const otherResult = await childJson(`const { python } = require('static-py');
      console.log(JSON.stringify([python.staticModules().map((m) => m.name), python.main.call('elsewhere.other.hyp', 3, 4)]));`,
    { env: { ...process.env, STATIC_PY_BUILD: otherTag } });
    assert.deepEqual(otherResult, [['elsewhere.other'], 15]);
    const result = await childJson(`
      const { python } = require('static-py');
      const py = python.main;
      console.log(JSON.stringify({
        modules: python.staticModules().map((m) => m.name),
        hyp: py.call('userpkg.fast.hyp', 3, 4),
        text: py.eval('__import__("userpkg.tools.greet").tools.greet.TEXT'),
        name: py.import('userpkg.fast').__name__,
      }));`, { env: { ...process.env, STATIC_PY_BUILD: tag } });
    assert.deepEqual(result, { modules: ['userpkg.fast', 'userpkg.tools.greet'], hyp: 10, text: 'hello from C++', name: 'userpkg.fast' });

    // An extension's source changes: building again links the new code.
    fs.writeFileSync(path.join(dir, 'fast.c'), fs.readFileSync(path.join(dir, 'fast.c'), 'utf8').replace('* SCALE', '* SCALE * 10'));
    const again = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--python', build().info.python.executable, '--tag', tag], {
      cwd: root, encoding: 'utf8', env: { ...process.env, STATIC_PY_EXTENSIONS: manifest },
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /compiled 1 of 2 extension source\(s\)/);
    const rebuilt = await childJson(`console.log(JSON.stringify(require('static-py').python.main.call('userpkg.fast.hyp', 3, 4)));`,
      { env: { ...process.env, STATIC_PY_BUILD: tag } });
    assert.equal(rebuilt, 100);

    // --no-table (the bench's start-up baseline): the same code linked and
    // nothing registered, so nothing imports, and nothing more is exported.
    const bare = await buildAsync(noTableTag, manifest, '--no-table');
    assert.equal(bare.status, 0, bare.stderr);
    assert.match(bare.stdout, /static table: 0 module\(s\), 0 name\(s\) in 16 slots, longest probe 0 \(--no-table: 2 module\(s\) linked, none registered\)/);
    const symbols = (t: string, ...flags: string[]) => spawnSync('nm', [...flags, path.join(root, 'builds', t, 'static_py.node')], { encoding: 'utf8' }).stdout;
    assert.match(symbols(noTableTag), / t static_py_g\d+_PyInit_fast\n/);
    assert.match(symbols(noTableTag), / t static_py_g\d+_PyInit_greet\n/);
    assert.equal(symbols(noTableTag, '-D', '--defined-only').match(/PyInit/g), symbols(tag, '-D', '--defined-only').match(/PyInit/g));
    const none = await childJson(`const { python } = require('static-py');
      let error; try { python.main.import('userpkg.fast'); } catch (e) { error = e.pythonType + ': ' + e.pythonMessage; }
      console.log(JSON.stringify([python.staticModules(), error]));`, { env: { ...process.env, STATIC_PY_BUILD: noTableTag } });
    assert.deepEqual(none, [[], "ModuleNotFoundError: No module named 'userpkg'"]);

    // The manifest gains two modules, and the build is not made again.
    const doc = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { modules: object[] };
    doc.modules.push({ name: 'userpkg.added', sources: ['fast.c'] }, { name: 'newtop.sub', sources: ['fast.c'] });
    fs.writeFileSync(manifest, JSON.stringify(doc));
    const stale = await childJson<Record<string, string>>(`
      const { python } = require('static-py');
      const py = python.main;
      const error = (name) => { try { py.import(name); return 'imported'; } catch (e) { return e.pythonType + ': ' + e.pythonMessage; } };
      console.log(JSON.stringify({
        added: error('userpkg.added'), parent: error('newtop.sub'), unlisted: error('not_listed_anywhere'),
        findSpec: String(py.eval('__import__("importlib.util").util.find_spec("not_listed_anywhere")')),
        still: String(py.call('userpkg.fast.hyp', 3, 4)),
      }));`, { env: { ...process.env, STATIC_PY_BUILD: tag } });
    const rebuild = `rebuild: STATIC_PY_PYTHON=${build().info.python.executable} npm run build`;
    assert.deepEqual(stale, {
      added: `ModuleNotFoundError: No module named 'userpkg.added': ${manifest} lists 'userpkg.added', but static-py's build ${tag} was made before it did; ${rebuild}`,
      parent: `ModuleNotFoundError: No module named 'newtop': ${manifest} lists 'newtop.sub', but static-py's build ${tag} was made before it did; ${rebuild}`,
      unlisted: "ModuleNotFoundError: No module named 'not_listed_anywhere'",
      findSpec: 'null',  // None
      still: '100',
    });
    const info = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'info'], { cwd: root, encoding: 'utf8', env: { ...process.env, STATIC_PY_BUILD: tag } });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /\nThe manifest changed after this build was made; it now also lists userpkg\.added, newtop\.sub\.\nRebuild: STATIC_PY_PYTHON=/);
  });
});
