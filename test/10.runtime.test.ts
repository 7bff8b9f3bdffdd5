// Start-up: which build loads, how CPython starts (isolated, no signal
// handlers, process.env untouched), and what sys looks like afterwards.
// Every case runs in its own process: Python starts once per process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { buildsFor, byPreference, listBuilds, loadBuild } from '../dist/binding.js';
import { build, fakePython, pyenvRoot, tempDir } from './helpers/build.js';
import { childJson, runChild, withoutLeakCheck } from './helpers/child.js';

describe('starting Python', () => {
  it('does not change process.env or install signal handlers, and starts isolated', async () => {
    const result = await childJson<{
      envBefore: string; envAfter: string; sigBefore: string; sigAfter: string; flags: Record<string, number>;
      executable: string; prefix: string; path: string[]; value: number;
    }>(`
      const fs = require('fs');
      const signals = () => fs.readFileSync('/proc/self/status', 'utf8').split('\\n').filter((l) => /^Sig(Cgt|Ign):/.test(l)).join(' ');
      const envBefore = JSON.stringify(process.env);
      const sigBefore = signals();
      const { python } = require('static-py');
      const value = python.main.eval('6 * 7');
      python.main.exec('import math, json, _json, decimal, _decimal, ssl, _ssl, ctypes, _ctypes, sqlite3');
      const sys = (expr) => python.main.eval(expr);
      console.log(JSON.stringify({
        envBefore, envAfter: JSON.stringify(process.env), sigBefore, sigAfter: signals(),
        flags: sys('{k: getattr(__import__("sys").flags, k) for k in ("isolated", "ignore_environment", "no_user_site", "utf8_mode")}'),
        executable: sys('__import__("sys").executable'), prefix: sys('__import__("sys").prefix'),
        path: sys('__import__("sys").path'), value,
      }));`);
    assert.equal(result.value, 42);
    assert.equal(result.envAfter, result.envBefore);
    assert.equal(result.sigAfter, result.sigBefore);
    assert.deepEqual(result.flags, { isolated: 1, ignore_environment: 1, no_user_site: 1, utf8_mode: 1 });
    const info = build().info.python;
    assert.equal(fs.realpathSync(result.executable), fs.realpathSync(info.executable));
    assert.equal(result.prefix, info.prefix);
    assert.ok(result.path.some((p) => p.endsWith('lib-dynload') || p.includes(`python${info.version[0]}.${info.version[1]}`)), result.path.join(':'));
  });

  it('ignores PYTHONPATH and PYTHONHOME, as the isolated config promises', async () => {
    const result = await childJson<string[]>(
      `const { python } = require('static-py'); console.log(JSON.stringify(python.main.eval('__import__("sys").path')));`,
      { env: { ...process.env, PYTHONPATH: '/nonexistent/pythonpath', PYTHONHOME: '/nonexistent/home' } },
    );
    assert.ok(!result.includes('/nonexistent/pythonpath'));
    assert.ok(result.length > 0);
  });

  it('takes its allocator from STATIC_PY_PYTHONMALLOC, not PYTHONMALLOC (which the isolated config ignores)', async () => {
    // sys._debugmallocstats() describes pymalloc's arenas, and prints nothing
    // when Python allocates with plain malloc.
    const stats = (allocator: string, env: NodeJS.ProcessEnv = process.env) => runChild(
      `const { python } = require('static-py'); python.main.exec('import sys; sys._debugmallocstats()');`,
      { env: { ...env, PYTHONMALLOC: 'malloc', STATIC_PY_PYTHONMALLOC: allocator } },
    );
    const [pymalloc, malloc] = await Promise.all([stats('pymalloc', withoutLeakCheck(process.env)), stats('malloc')]);
    assert.equal(pymalloc.code, 0, pymalloc.stderr);
    assert.equal(malloc.code, 0, malloc.stderr);
    assert.match(pymalloc.stderr, /arenas/);
    assert.doesNotMatch(malloc.stderr, /arenas/);
  });

  describe("pymalloc's arenas in huge pages", () => {
    // Linux says which mappings are advised for huge pages ("hg" in
    // /proc/self/smaps' VmFlags): the chunks, 2 MiB each.
    const kernelMode = (() => {
      try {
        return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'never';
      } catch {
        return 'absent';
      }
    })();
    const offered = kernelMode === 'always' || kernelMode === 'madvise';
    const arenaChild = (configure: string) => childJson<{ before: number; peak: number; after: number; rssPeakMb: number; rssAfterMb: number }>(`
      const fs = require('fs');
      const { python } = require('static-py');
      ${configure}
      const chunks = () => fs.readFileSync('/proc/self/smaps', 'utf8').split(/\\n(?=[0-9a-f]+-[0-9a-f]+ )/)
        .filter((m) => /^Size:\\s+2048 kB$/m.test(m) && /^VmFlags:.* hg/m.test(m)).length;
      const rssMb = () => Number(/^VmRSS:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      python.main.exec('import gc');
      const before = chunks();
      python.main.exec('objects = [(i, str(i)) for i in range(1_000_000)]');
      const peak = chunks(), rssPeakMb = rssMb();
      python.main.exec('del objects; gc.collect()');
      console.log(JSON.stringify({ before, peak, after: chunks(), rssPeakMb, rssAfterMb: rssMb() }));`,
    { env: withoutLeakCheck(process.env) });
    const skip = build().info.sanitize ? 'sanitizer builds allocate every object with malloc: no arenas'
      : process.env.STATIC_PY_PYTHONMALLOC ? `STATIC_PY_PYTHONMALLOC=${process.env.STATIC_PY_PYTHONMALLOC} chooses the allocator`
        : false;

    it(`maps them in 2 MiB chunks advised for huge pages with hugePages: true where the kernel offers them (here: ${kernelMode}), and gives freed ones back`, { skip }, async () => {
      const r = await arenaChild('python.configure({ hugePages: true });');
      if (!offered) {
        assert.equal(r.peak, 0, 'no huge-page chunks where the kernel has no transparent huge pages');
        return;
      }
      // 1,000,000 tuples and strings: ~160 MB of small objects, ~77 chunks here.
      assert.ok(r.peak - r.before >= 30, `chunks: ${r.before} before, ${r.peak} with the objects`);
      assert.ok(r.after - r.before <= (r.peak - r.before) / 4, `chunks: ${r.peak} with the objects, ${r.after} once they are freed`);
      assert.ok(r.rssAfterMb < r.rssPeakMb - 60, `RSS ${r.rssPeakMb.toFixed(0)} MB with the objects, ${r.rssAfterMb.toFixed(0)} MB once freed`);
    });

    it('maps them as CPython does by default, and with python.configure({ hugePages: false })', { skip }, async () => {
      for (const r of await Promise.all([arenaChild(''), arenaChild('python.configure({ hugePages: false });')])) {
        assert.deepEqual([r.before, r.peak, r.after], [0, 0, 0]);
        assert.ok(r.rssAfterMb < r.rssPeakMb - 60, `RSS ${r.rssPeakMb.toFixed(0)} MB with the objects, ${r.rssAfterMb.toFixed(0)} MB once freed`);
      }
    });

    it('serves interpreters that each have their own GIL and allocate at once (3.12+)', { skip: skip || (build().info.python.version[1] < 12 && 'own-GIL interpreters need CPython 3.12+') }, async () => {
      const r = await runChild(`
        const { python } = require('static-py');
        python.configure({ hugePages: true });
        const code = 'def churn(n):\\n    total = 0\\n    for _ in range(n):\\n        xs = [(i, str(i)) for i in range(200_000)]\\n        total += len(xs)\\n    return total';
        const interps = [0, 1, 2].map(() => python.createInterpreter('isolated'));
        interps.forEach((i) => i.exec(code));
        Promise.all(interps.map((i) => i.callAsync('churn', 5))).then((totals) => {
          interps.forEach((i) => i.close());
          console.log(JSON.stringify(totals));
        });`, { env: withoutLeakCheck(process.env) });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [1_000_000, 1_000_000, 1_000_000]);
    });

    it('refuses python.configure({ hugePages }) once Python runs, and a value that is not a boolean', async () => {
      const r = await runChild(`
        const { python } = require('static-py');
        try { python.configure({ hugePages: 'yes' }); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
        python.main;
        try { python.configure({ hugePages: true }); } catch (e) { console.log(e.message); }`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /TypeError: .*options\.hugePages.*a boolean/);
      assert.match(r.stdout, /python\.configure\(\{ hugePages \}\) must come before Python starts/);
    });
  });

  it("adds an active virtual environment's site-packages and makes it sys.prefix", async () => {
    const venv = path.join(tempDir(), 'venv');
    const r = spawnSync(build().info.python.executable, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const site = path.join(venv, 'lib', `python${build().info.python.version[0]}.${build().info.python.version[1]}`, 'site-packages');
    fs.writeFileSync(path.join(site, 'from_the_venv.py'), 'WHERE = "venv"\n');
    const result = await childJson<{ prefix: string; where: string; executable: string }>(
      `const { python } = require('static-py');
       console.log(JSON.stringify(python.main.eval('{"prefix": __import__("sys").prefix, "executable": __import__("sys").executable, "where": __import__("from_the_venv").WHERE}')));`,
      { env: { ...process.env, VIRTUAL_ENV: venv } },
    );
    assert.equal(result.where, 'venv');
    assert.equal(fs.realpathSync(result.prefix), fs.realpathSync(venv));
    assert.ok(result.executable.startsWith(venv));
  });

  it("is a virtual environment's python when STATIC_PY_PYTHON names it, without VIRTUAL_ENV, as CPython itself is", async () => {
    const venv = path.join(tempDir(), 'venv');
    const r = spawnSync(build().info.python.executable, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const site = path.join(venv, 'lib', `python${build().info.python.version[0]}.${build().info.python.version[1]}`, 'site-packages');
    fs.writeFileSync(path.join(site, 'from_the_venv.py'), 'WHERE = "venv"\n');
    const show = `const { python } = require('static-py');
      console.log(JSON.stringify(python.main.eval('{"prefix": __import__("sys").prefix, "executable": __import__("sys").executable, "where": __import__("from_the_venv").WHERE}')));`;
    const env = { ...process.env, VIRTUAL_ENV: '', STATIC_PY_BUILD: '' };
    const named = await childJson<{ prefix: string; where: string; executable: string }>(show, { env: { ...env, STATIC_PY_PYTHON: path.join(venv, 'bin', 'python') } });
    assert.deepEqual(named, { prefix: venv, where: 'venv', executable: path.join(venv, 'bin', 'python') });
    // The plain interpreter, for contrast: the venv is not on its path.
    const plain = await runChild(show, { env: { ...env, STATIC_PY_PYTHON: build().info.python.executable } });
    assert.match(plain.stderr, /ModuleNotFoundError: No module named 'from_the_venv'/);
  });

  it('refuses a virtual environment made from another Python version, naming both', async () => {
    const venv = tempDir();
    fs.writeFileSync(path.join(venv, 'pyvenv.cfg'), 'home = /usr/bin\nversion = 2.7.18\n');
    const r = await runChild(`const { python } = require('static-py'); python.main;`, { env: { ...process.env, VIRTUAL_ENV: venv } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /VIRTUAL_ENV \(.*\) is a Python 2\.7 environment, but this build of static-py/);
  });
});

describe('choosing the build', () => {
  // A Python's plain build, where it has one besides the build under test
  // (a sanitizer or debug variant): STATIC_PY_PYTHON prefers it.
  const preferred = () => byPreference(buildsFor(build().info.python.executable))[0]!.info.tag;

  it('loads the build made for STATIC_PY_PYTHON', async () => {
    const info = build().info;
    const result = await childJson<{ tag: string; version: string }>(
      `const { python } = require('static-py');
       console.log(JSON.stringify({ tag: python.version.tag, version: python.main.eval('__import__("platform").python_version()') }));`,
      { env: { ...process.env, STATIC_PY_BUILD: '', STATIC_PY_PYTHON: info.python.executable } },
    );
    assert.equal(result.tag, preferred());
    assert.equal(result.version, info.python.version.slice(0, 3).join('.'));
  });

  it('loads the build for python.configure({ python }), and refuses configure() once loaded', async () => {
    const info = build().info;
    const result = await childJson<{ tag: string; late: string; unknown: string }>(`
      const { python } = require('static-py');
      python.configure({ python: ${JSON.stringify(info.python.executable)} });
      const tag = python.version.tag;
      let late, unknown;
      try { python.configure({ python: 'python3' }); } catch (e) { late = e.message; }
      try { python.configure({ pyhton: 'x' }); } catch (e) { unknown = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ tag, late, unknown }));`, { env: { ...process.env, STATIC_PY_BUILD: '', STATIC_PY_PYTHON: '' } });
    assert.equal(result.tag, preferred());
    assert.equal(result.late, `static-py: python.configure() must come before first use; build ${preferred()} is already loaded`);
    assert.match(result.unknown, /^TypeError: static-py: options has an unknown option 'pyhton'; known options are python/);
  });

  it("imports the stdlib's own extension modules, also when libpython is linked into the addon", async () => {
    const loaded = await childJson<Record<string, string>>(`const { python } = require('static-py');
      const names = ['math', '_decimal', '_ssl', '_ctypes', '_json'];
      console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, python.main.import(n).loader]))));`);
    for (const [name, loader] of Object.entries(loaded)) assert.match(loader, /^(builtin|extension)$/, name);
    const check = await childJson<[string, boolean]>(`const { python } = require('static-py');
      console.log(JSON.stringify([python.main.call('decimal.Decimal', '1.1').toString(), python.main.eval('len(__import__("ssl").OPENSSL_VERSION) > 0')]));`);
    assert.deepEqual(check, ['1.1', true]);
  });

  it('says whether libpython is linked into the addon or loaded as a shared library', async () => {
    const version = await childJson<{ staticLibrary: boolean; sharedLibrary: boolean }>(
      `const { python } = require('static-py'); console.log(JSON.stringify(python.version));`);
    const linkedIn = build().info.link === 'static';
    assert.deepEqual([version.staticLibrary, version.sharedLibrary], [linkedIn, !linkedIn]);
  });

  const failsWith = async (python: string) => {
    const r = await runChild(`const { python } = require('static-py'); python.version;`, {
      env: { ...process.env, STATIC_PY_BUILD: '', STATIC_PY_PYTHON: python },
    });
    assert.notEqual(r.code, 0);
    return r.stderr;
  };

  it('says first that STATIC_PY_PYTHON names a file that does not exist, or a command not on PATH', async () => {
    assert.match(await failsWith('/nowhere/python3'), /^Error: static-py: STATIC_PY_PYTHON names \/nowhere\/python3, which does not exist\.$/m);
    assert.match(await failsWith('python3.99'), /^Error: static-py: STATIC_PY_PYTHON names 'python3\.99', which is not a command on PATH \(/m);
  });

  // Old Pythons pyenv has here (CI's machine too), and any name: python3.7
  // says its version, a bare python3 is asked.
  const old = ['2.7.18', '3.7.16'].map((v) => path.join(pyenvRoot, 'versions', v, 'bin', 'python'))
    .filter((p) => fs.existsSync(p));
  it('says static-py needs CPython 3.8 or newer, and which version it found, for an older Python', { skip: !old.length && 'no Python older than 3.8 here' }, async () => {
    for (const python of old) {
      // 2.7 or 2.7.18: the file name tells the first, asking the interpreter the second.
      const [major, minor] = /versions\/(\d+)\.(\d+)\./.exec(python)!.slice(1);
      assert.match(await failsWith(python), new RegExp(`^Error: static-py: STATIC_PY_PYTHON names ${python.replace(/[.]/g, '\\.')}, ` +
        `which is Python ${major}\\.${minor}(\\.\\d+)? \\(.*\\); static-py needs CPython 3\\.8 or newer \\(it supports CPython 3\\.8-3\\.14\\)\\.$`, 'm'));
    }
  });

  it('says a newer CPython is not tested, and a free-threaded one not supported, naming the version', async () => {
    const newer = fakePython({ version: [3, 15, 0] });
    assert.match(await failsWith(newer), new RegExp(`^Error: static-py: STATIC_PY_PYTHON names ${newer}, which is CPython 3\\.15\\.0 ` +
      '\\(.*\\), which static-py has not been tested on; it supports CPython 3\\.8-3\\.14\\.$', 'm'));
    const freeThreaded = fakePython({ version: [3, 14, 7], gilDisabled: true });
    const real = path.join(pyenvRoot, 'versions', '3.14.7t', 'bin', 'python3.14t');
    for (const python of [freeThreaded, ...(fs.existsSync(real) ? [real] : [])]) {
      assert.match(await failsWith(python), new RegExp(`^Error: static-py: STATIC_PY_PYTHON names ${python.replace(/[.]/g, '\\.')}, a free-threaded build ` +
        'of CPython 3\\.14\\.7 \\(.*\\), which static-py does not support: it assumes a GIL\\. Name the same CPython\'s default build ' +
        '\\(python3\\.14, not python3\\.14t\\)\\.$', 'm'));
    }
  });

  it('explains what it looked for when no build fits a CPython that STATIC_PY_PYTHON names, and how to build one', async (t) => {
    // A pyenv CPython with no build here, if there is one.
    const built = new Set(listBuilds().map((b) => b.info.python.executable));
    const versions = fs.existsSync(path.join(pyenvRoot, 'versions')) ? fs.readdirSync(path.join(pyenvRoot, 'versions')) : [];
    const python = versions.map((v) => /^3\.(\d+)\.\d+$/.exec(v)).filter((m) => m && Number(m[1]) >= 8)
      .map((m) => path.join(pyenvRoot, 'versions', m![0], 'bin', `python3.${m![1]}`))
      .find((p) => fs.existsSync(p) && !built.has(p));
    if (!python) return t.skip('every CPython here has a build');
    const stderr = await failsWith(python);
    assert.match(stderr, /no native build fits/);
    assert.match(stderr, new RegExp(`a build for '${python.replace(/[.]/g, '\\.')}' \\(Python 3\\.\\d+\\), chosen by STATIC_PY_PYTHON`));
    assert.match(stderr, new RegExp(`build for your Python: STATIC_PY_PYTHON=${python.replace(/[.]/g, '\\.')} npm run build`));
  });

  it('loads the build with libpython linked as STATIC_PY_LINK asks, and says so when there is none', async () => {
    const python = build().info.python.executable;
    const r = await runChild(`const { python } = require('static-py'); console.log(JSON.stringify(python.version));`, {
      env: { ...process.env, STATIC_PY_BUILD: '', STATIC_PY_PYTHON: python, STATIC_PY_LINK: 'static' },
    });
    const statics = listBuilds().filter((b) => b.info.python.executable === python && b.info.link === 'static');
    if (statics.length) {
      assert.equal(r.code, 0, r.stderr);
      const version = JSON.parse(r.stdout) as { staticLibrary: boolean; sharedLibrary: boolean };
      assert.deepEqual([version.staticLibrary, version.sharedLibrary], [true, false]);
    } else {
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`a build for '${python.replace(/[.]/g, '\\.')}' \\(Python 3\\.\\d+\\), chosen by STATIC_PY_PYTHON, with static libpython \\(STATIC_PY_LINK=static\\)`));
    }
    const bad = await runChild(`const { python } = require('static-py'); python.version;`, {
      env: { ...process.env, STATIC_PY_BUILD: '', STATIC_PY_PYTHON: python, STATIC_PY_LINK: 'dynamic' },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /STATIC_PY_LINK must be "shared" or "static", not "dynamic"/);
  });

  it('reports a build whose libpython has gone with the path and a remedy, not a crash', (t) => {
    // A copy of an addon whose library search path points nowhere, so its
    // libpython cannot be found: the same bytes with RUNPATH rewritten. It
    // needs a libpython the system linker cannot find elsewhere.
    const systemDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib', '/lib'];
    const candidate = listBuilds().find(({ info }) =>
      info.python.libpython && !systemDirs.some((d) => fs.existsSync(path.join(d, path.basename(info.python.libpython!)))));
    if (!candidate) return t.skip('every build here links a libpython the system linker finds without a search path');
    const { file, info } = candidate;
    const libdir = path.dirname(info.python.libpython!);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf(Buffer.from(libdir));
    assert.ok(at >= 0, `${file} does not mention ${libdir}`);
    const gone = `/gone${'x'.repeat(libdir.length - 5)}`;
    bytes.write(gone, at, 'latin1');
    const dir = tempDir();
    const copy = path.join(dir, 'static_py.node');
    fs.writeFileSync(copy, bytes);
    const lib = path.join(gone, path.basename(info.python.libpython!));
    const fake = { dir, file: copy, info: { ...info, python: { ...info.python, libpython: lib } } };
    assert.throws(() => loadBuild(fake), (e: Error) => {
      assert.match(e.message, /cannot load .*static_py\.node: .*libpython/);
      assert.match(e.message, /no longer exists/);
      assert.match(e.message, /Remedy: reinstall that Python, or rebuild/);
      return true;
    });
  });
});

describe("Python's view of the process", () => {
  const SEE = `
    import threading, signal, _thread, sys
    def attempt(f):
        try:
            return repr(f())
        except BaseException as e:
            return type(e).__name__ + ': ' + str(e)
    def view():
        return {
            'main thread': threading.current_thread() is threading.main_thread(),
            'name': threading.current_thread().name,
            'signal.signal': attempt(lambda: signal.signal(signal.SIGUSR2, signal.SIG_DFL)),
            'new threads are daemons': threading.Thread(target=lambda: None).daemon,
        }
  `.replace(/^ {4}/gm, '');

  it("from Node's main thread, where static-py was first used: Python's main thread, signals and non-daemon threads", async () => {
    const r = await childJson<Record<string, unknown>>(`
      const { python } = require('static-py');
      python.main.exec(${JSON.stringify(SEE)});
      const view = python.main.call('view');
      // 3.12+: the main interpreter runs its program, as under python.
      view.running = python.main.eval("attempt(lambda: (__import__('_interpreters') if sys.version_info >= (3, 13) else __import__('_xxsubinterpreters')).is_running(0))");
      console.log(JSON.stringify(view));`);
    assert.deepEqual(r, {
      'main thread': true, name: 'MainThread', 'signal.signal': '<Handlers.SIG_DFL: 0>', 'new threads are daemons': false, running: 'True',
    });
  });

  it("hands its standard streams to Python's child processes, as python does, although Node starts with them close-on-exec", async () => {
    const py = [
      'import os, subprocess, sys',
      'inheritable = [os.get_inheritable(fd) for fd in (0, 1, 2)]',
      "codes = [subprocess.run(['sh', '-c', 'echo from sh']).returncode,",
      "         subprocess.run([sys.executable, '-c', 'import sys; print(\"from python\"); print(\"to stderr\", file=sys.stderr)']).returncode,",
      "         os.system('echo from os.system')]",
    ].join('\n');
    const r = await runChild(`
      const { python } = require('static-py');
      python.main.exec(${JSON.stringify(py)});
      console.log(JSON.stringify(python.main.eval('[inheritable, codes]')));`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), [[true, true, true], [0, 0, 0]]);
    assert.deepEqual(r.stdout.trim().split('\n').slice(0, -1), ['from sh', 'from python', 'from os.system']);
    assert.match(r.stderr, /^to stderr$/m);
  });

  it('from a worker that used static-py first, Python started on a thread of its own; Node\'s main thread is then a thread Python did not start', async () => {
    const r = await childJson<{ worker: Record<string, unknown>; main: Record<string, unknown> }>(`
      const { Worker } = require('worker_threads');
      const w = new Worker(\`
        const { python } = require(\${JSON.stringify(require.resolve('static-py'))});
        python.main.exec(\${JSON.stringify(${JSON.stringify(SEE)})});
        require('worker_threads').parentPort.postMessage(python.main.call('view'));\`, { eval: true });
      w.once('message', (worker) => {
        const { python } = require('static-py');
        console.log(JSON.stringify({ worker, main: python.main.call('view') }));
        w.terminate();
      });`);
    const notMain = { 'main thread': false, 'signal.signal': 'ValueError: signal only works in main thread of the main interpreter', 'new threads are daemons': true };
    assert.match(String(r.worker.name), /^Dummy-\d+$/);
    assert.match(String(r.main.name), /^Dummy-\d+$/);
    for (const side of [r.worker, r.main]) {
      const { name: _name, ...rest } = side;
      // 3.8 says only "signal only works in main thread".
      const said = String(rest['signal.signal']).replace(/main thread$/, 'main thread of the main interpreter');
      assert.deepEqual({ ...rest, 'signal.signal': said }, notMain);
    }
  });

  it("lets _thread.interrupt_main() reach Node's main thread once Python code handles SIGINT; static-py itself leaves SIGINT to Node", async () => {
    const r = await childJson<string[]>(`
      const { python } = require('static-py');
      const py = python.main;
      py.exec('import signal, _thread, threading, time');
      const poke = 'threading.Thread(target=_thread.interrupt_main).start(); time.sleep(0.2)';
      const text = (f) => { try { f(); return 'no exception'; } catch (e) { return e.pythonType; } };
      const before = [py.eval('repr(signal.getsignal(signal.SIGINT))'), text(() => py.exec(poke))];
      py.exec('signal.signal(signal.SIGINT, signal.default_int_handler)');
      console.log(JSON.stringify([...before, text(() => py.exec(poke))]));`);
    // None: a handler Python did not install, Node's (it resets the
    // terminal and re-raises); interrupt_main() then does nothing.
    assert.deepEqual(r, ['None', 'no exception', 'KeyboardInterrupt']);
  });
});
