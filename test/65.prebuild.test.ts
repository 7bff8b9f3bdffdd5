// Distribution: a prebuild made by `npm run prebuild`, shipped in the packed
// tarball, installed into a new project offline with no compiler on PATH,
// and the one Error each broken install gives (a Python that changed
// version, a damaged .node, a missing libpython, a Python with no prebuild).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { build, pyenvRoot, root, tempDir } from './helpers/build.js';

const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pyenv CPython of another minor version than `minor`, as [python3.X path, 'X.Y'], if there is one. */
function otherPython(minor: number): [string, string] | null {
  const versions = path.join(pyenvRoot, 'versions');
  const found = (fs.existsSync(versions) ? fs.readdirSync(versions) : [])
    .map((v) => /^3\.(\d+)\.\d+$/.exec(v))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) !== minor)
    .map((m) => [path.join(versions, m[0], 'bin', `python3.${m[1]}`), `3.${m[1]}`] as [string, string])
    .find(([exe]) => fs.existsSync(exe));
  return found ?? null;
}

// Made once, in npm test: a prebuild costs a build, and what it proves does
// not change from one CPython to the next.
describe('a prebuilt addon, installed from the packed tarball', { skip: Boolean(process.env.STATIC_PY_TEST_REPEAT) && 'run once, by npm test' }, () => {
  let bin: string;
  let app: string;
  let installed: string;
  let python: string;
  let minor: number;
  // Only what installing and running need: no cc, gcc, g++ or make.
  const env = () => ({ PATH: bin, HOME: process.env.HOME!, TMPDIR: process.env.TMPDIR ?? '/tmp', npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });
  const run = (code: string, extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['-e', code], { cwd: app, env: { ...env(), ...extra }, encoding: 'utf8' });

  before(() => {
    if (build().info.link !== 'shared' || build().info.python.debug) return;
    python = build().info.python.executable;
    minor = build().info.python.version[1];
    const work = tempDir('static-py-prebuild-');
    const made = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.mjs'), '--python', python, '--out', work, '--quiet'],
      { cwd: root, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);

    // The package as npm would publish it, with that prebuild in it.
    const listed = spawnSync(process.execPath, [npmCli, 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const pkg = path.join(work, 'package');
    for (const { path: file } of (JSON.parse(listed.stdout) as { files: { path: string }[] }[])[0]!.files) {
      if (file.startsWith('prebuilds/')) continue;
      fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(pkg, file));
    }
    fs.cpSync(path.join(work, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
    const packed = spawnSync(process.execPath, [npmCli, 'pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: pkg, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = path.join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);

    bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    fs.symlinkSync(python, path.join(bin, 'python3'));
    app = path.join(work, 'app');
    fs.mkdirSync(app);
    // Offline, npm resolves from its cache only what a lockfile pins: on a
    // fresh machine `npm ci` cached static-py's dependencies as tarballs,
    // not the registry documents `npm install <tarball>` would resolve them
    // with. So the app's lockfile pins them as ours does.
    const own = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    const spec = `file:${path.relative(app, tarball)}`;
    const appPackage = { name: 'app', version: '1.0.0', private: true, dependencies: { 'static-py': spec } };
    const pinned = Object.fromEntries(Object.entries(own.packages).filter(([key, entry]) => key.startsWith('node_modules/') && !entry.dev));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(appPackage));
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({
      ...appPackage, lockfileVersion: 3, requires: true,
      packages: {
        '': appPackage,
        'node_modules/static-py': {
          version: manifest.version, resolved: spec, hasInstallScript: true, dependencies: manifest.dependencies, bin: manifest.bin,
          integrity: `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
        },
        ...pinned,
      },
    }));
    const install = spawnSync(path.join(bin, 'npm'), ['ci'], { cwd: app, env: env(), encoding: 'utf8' });
    assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
    installed = path.join(app, 'node_modules', 'static-py');
  });

  it('installs offline with no compiler on PATH and runs Python from the prebuild', (t) => {
    if (!app) return t.skip('prebuilds are made from a release build with shared libpython');
    assert.equal(spawnSync('sh', ['-c', 'command -v cc gcc g++ c++ make'], { env: env(), encoding: 'utf8' }).stdout, '');
    const prebuilt = fs.readdirSync(path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`));
    assert.ok(prebuilt.includes(`static-py.cp3${minor}.glibc.node`), prebuilt.join(', '));
    const r = run(`const { python } = require('static-py');
      console.log(JSON.stringify({ sum: python.main.eval('sum(range(10))'), minor: python.version.minor, prebuild: python.build.prebuild,
        decimal: python.main.call('decimal.Decimal', '1.5').toString() }));`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { sum: 45, minor, prebuild: true, decimal: '1.5' });
    assert.ok(!fs.existsSync(path.join(installed, 'build', 'Release')), 'nothing was compiled');
    assert.ok(!fs.existsSync(path.join(installed, 'builds', `cp3${minor}`)), 'nothing was built');
  });

  it('reports the version of the libpython it runs, not the one the prebuild was made with', (t) => {
    if (!app) return t.skip('no prebuild made');
    // Another CPython of the prebuild's minor version: Debian's 3.11 for a cp311 prebuild made with pyenv's.
    const same = `/usr/bin/python3.${minor}`;
    if (!fs.existsSync(same) || fs.realpathSync(same) === fs.realpathSync(python)) return t.skip(`needs a second CPython 3.${minor} (${same})`);
    const r = run(`const { python } = require('static-py');
      console.log(JSON.stringify({ micro: python.version.micro, hex: python.version.hexversion, sys: python.main.eval('[__import__("sys").version_info.micro, __import__("sys").hexversion]') }));`,
    { STATIC_PY_PYTHON: same });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { micro: number; hex: number; sys: [number, number] };
    assert.deepEqual([seen.micro, seen.hex], seen.sys);
    assert.notEqual(seen.micro, build().info.python.version[2], 'the two CPythons differ in their micro version');
    const info = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), 'info'], { cwd: app, env: { ...env(), STATIC_PY_PYTHON: same }, encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`^python {6}3\\.${minor}\\.${seen.micro} final, .* \\(prebuilt with ${escape(build().info.python.version.slice(0, 3).join('.'))}\\)$`, 'm'));
  });

  it("refuses another patch release whose private structures were not checked to match, before Python starts", (t) => {
    if (!app) return t.skip('no prebuild made');
    const same = `/usr/bin/python3.${minor}`;
    if (!fs.existsSync(same) || fs.realpathSync(same) === fs.realpathSync(python)) return t.skip(`needs a second CPython 3.${minor} (${same})`);
    const release = spawnSync(same, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).stdout.trim();
    const made = build().info.python.version.slice(0, 3).join('.');
    // The installed copy's table, as if that release had been checked and found different, then as if never checked.
    const table = path.join(installed, 'native', 'cpython', 'checked_layouts.json');
    const original = fs.readFileSync(table, 'utf8');
    const attempt = (layouts: Record<string, string>) => {
      fs.writeFileSync(table, JSON.stringify({ layouts }));
      try {
        return run("const { python } = require('static-py'); python.main.eval('1');", { STATIC_PY_PYTHON: same });
      } finally {
        fs.writeFileSync(table, original);
      }
    };
    const file = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, `static-py.cp3${minor}.glibc.node`);
    const differs = attempt({ [release]: '0000000000000000' });
    assert.equal(differs.status, 1);
    assert.match(differs.stderr, new RegExp(`^Error: static-py: cannot use ${escape(file)}: it was compiled against CPython ${escape(made)}'s private ` +
      `structures, and CPython ${escape(release)}, which this process runs, lays them out differently\\.\\nRemedy: build static-py for this Python: ` +
      `STATIC_PY_PYTHON=${escape(same)} npm rebuild static-py$`, 'm'));
    const unchecked = attempt({});
    assert.equal(unchecked.status, 1);
    assert.match(unchecked.stderr, new RegExp(`cannot use ${escape(file)}: it was compiled against CPython ${escape(made)}'s private structures, ` +
      `and this process runs CPython ${escape(release)}, whose layout static-py has not checked\\.`));
  });

  it('lists the prebuild in use, marked as the default, in `static-py builds`', (t) => {
    if (!app) return t.skip('no prebuild made');
    const r = spawnSync(process.execPath, [path.join(installed, 'dist', 'cli.js'), 'builds'], { cwd: app, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\* cp3${minor}-prebuild +Python 3\\.${minor} +prebuilds/linux-x64/static-py\\.cp3${minor}\\.glibc\\.node \\(prebuilt with [\\d.]+, for `, 'm'));
    assert.match(r.stdout, /\* the default: what require\('static-py'\) loads when neither STATIC_PY_BUILD nor STATIC_PY_PYTHON is set/);
  });

  it('finds its prebuild after `npm ci --ignore-scripts`, with a python3 on PATH that is a shim', (t) => {
    if (!app) return t.skip('no prebuild made');
    const other = path.join(path.dirname(app), 'app-no-scripts');
    fs.mkdirSync(other);
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(app, file), path.join(other, file));
    const install = spawnSync(path.join(bin, 'npm'), ['ci', '--ignore-scripts'], { cwd: other, env: env(), encoding: 'utf8' });
    assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
    assert.ok(!fs.existsSync(path.join(other, 'node_modules', 'static-py', 'builds')), 'no install script ran');
    // As pyenv's shim is: a script whose name says no version.
    const shims = path.join(path.dirname(app), 'shims');
    fs.mkdirSync(shims);
    fs.writeFileSync(path.join(shims, 'python3'), `#!/bin/sh\nexec ${JSON.stringify(python)} "$@"\n`, { mode: 0o755 });
    const r = spawnSync(process.execPath, ['-e', `const { python } = require('static-py');
      console.log(JSON.stringify([python.build.tag, python.main.eval('6 * 7')]));`],
    { cwd: other, env: { ...env(), PATH: `${shims}:${bin}` }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [`cp3${minor}-prebuild`, 42]);
  });

  it('refuses, naming both versions, a prebuild whose recorded Python is now another version', (t) => {
    if (!app) return t.skip('no prebuild made');
    const other = otherPython(minor);
    if (!other) return t.skip('needs a pyenv CPython of another version');
    const record = path.join(installed, 'builds', 'default.json');
    const saved = fs.readFileSync(record, 'utf8');
    const moving = path.join(bin, 'python3.moved');
    fs.symlinkSync(python, moving);
    try {
      fs.writeFileSync(record, JSON.stringify({ ...JSON.parse(saved), python: moving }));
      assert.equal(run(`require('static-py').python.main.eval('1')`).status, 0);
      // The interpreter behind that path is replaced by another version.
      fs.rmSync(moving);
      fs.symlinkSync(other[0], moving);
      const r = run(`require('static-py').python.version`);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`static-py\\.cp3${minor}\\.glibc\\.node is prebuilt for Python 3\\.${minor}, but ${escape(moving)} is now Python ${escape(other[1])}`));
      assert.match(r.stderr, new RegExp(`Remedy: reinstall static-py for the Python you have \\(STATIC_PY_PYTHON=${escape(moving)} npm rebuild static-py\\)`));
    } finally {
      fs.writeFileSync(record, saved);
    }
  });

  it('names the missing libpython, the version it needed and the remedy', (t) => {
    if (!app) return t.skip('no prebuild made');
    const record = path.join(installed, 'builds', 'default.json');
    const saved = fs.readFileSync(record, 'utf8');
    try {
      fs.writeFileSync(record, JSON.stringify({ ...JSON.parse(saved), libpython: `/nowhere/libpython3.${minor}.so.1.0` }));
      const r = run(`require('static-py').python.version`);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`static-py\\.cp3${minor}\\.glibc\\.node \\(prebuilt for Python 3\\.${minor}\\) needs /nowhere/libpython3\\.${minor}\\.so\\.1\\.0: it does not exist`));
      assert.match(r.stderr, /Remedy: install Python 3\.\d+ with a shared libpython/);
      assert.doesNotMatch(r.stderr, /Segmentation|core dumped/);
    } finally {
      fs.writeFileSync(record, saved);
    }
  });

  it('names a damaged prebuild, the Python it is for, and the remedy, without crashing', (t) => {
    if (!app) return t.skip('no prebuild made');
    const file = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, `static-py.cp3${minor}.glibc.node`);
    const saved = fs.readFileSync(file);
    try {
      // Cut short, as by an interrupted copy: dlopen alone would die of SIGBUS.
      fs.writeFileSync(file, saved.subarray(0, 4096));
      const short = run(`require('static-py').python.version`);
      assert.equal(short.signal, null);
      assert.notEqual(short.status, 0);
      assert.match(short.stderr, new RegExp(`static-py: cannot load ${escape(file)}: it is cut short \\(4096 bytes, .*\\nIt is prebuilt for Python 3\\.${minor}, to run with `));
      assert.match(short.stderr, /Remedy: reinstall static-py \(the file may be damaged\)/);
      // Whole, but with bytes changed in the middle.
      const flipped = Buffer.from(saved);
      flipped[flipped.length >> 1] ^= 0xff;
      fs.writeFileSync(file, flipped);
      const damaged = run(`require('static-py').python.version`);
      assert.equal(damaged.signal, null);
      assert.match(damaged.stderr, /cannot load .*: it is damaged: its SHA-256 is not the one recorded when it was made/);
    } finally {
      fs.writeFileSync(file, saved);
    }
  });

  it('lists what it looked for and the prebuilds it has when STATIC_PY_PYTHON has none', (t) => {
    if (!app) return t.skip('no prebuild made');
    const other = otherPython(minor);
    if (!other) return t.skip('needs a pyenv CPython of another version');
    const otherMinor = other[1].split('.')[1];
    const r = run(`require('static-py').python.version`, { STATIC_PY_PYTHON: other[0] });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`a prebuild for it: no prebuild for cp3${otherMinor} in `));
    assert.match(r.stderr, new RegExp(`Prebuilds found in .*:\\n  - static-py\\.cp3${minor}\\.glibc\\.node \\(Python 3\\.${minor}\\)`));
    // In an app there is no `npm run build` of static-py's: the remedy is npm rebuild.
    assert.match(r.stderr, new RegExp(`Remedies:\\n  - build for your Python: STATIC_PY_PYTHON=${escape(other[0])} npm rebuild static-py`));
  });
});
