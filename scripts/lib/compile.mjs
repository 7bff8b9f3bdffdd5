// Compiles the manifest's extension groups into one static archive that the
// addon links (node-gyp and CMake alike). Incremental: an object is rebuilt
// when its command line, its source or any header it included changed.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCrate, RUST_STATIC_LINK_LIBRARIES } from './cargo.mjs';
import { CYTHON_CFLAGS, translatePyx } from './cython.mjs';
import { BuildError } from './python-probe.mjs';

const CXX_EXT = /\.(cc|cpp|cxx|C)$/;

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ code: -1, out: `${cmd}: ${e.message}` }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

function upToDate(obj, stamp, hash) {
  if (!fs.existsSync(obj) || !fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== hash) return false;
  const depFile = obj.replace(/\.o$/, '.d');
  if (!fs.existsSync(depFile)) return false;
  const objTime = fs.statSync(obj).mtimeMs;
  const deps = fs.readFileSync(depFile, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':').trim().split(/\s+/);
  return deps.every((d) => !d || (fs.existsSync(d) && fs.statSync(d).mtimeMs <= objTime));
}

/**
 * @param {object} o
 * @param {ReturnType<import('./manifest.mjs').groupModules>} o.groups
 * @param {string} o.outDir  builds/<tag>/ext
 * @param {string[]} o.pythonIncludes
 * @param {string[]} o.extraFlags  sanitizer/debug flags shared with the addon
 * @param {string} o.python  the build's Python, for crates (PYO3_PYTHON)
 * @param {Record<string, any>} o.features  from features.mjs: cython and cargo
 * @param {(msg: string) => void} o.log
 * @returns {Promise<{ archives: string[], linkLibraries: string[] }>}
 */
export async function compileExtensions({ groups, outDir, pythonIncludes, extraFlags = [], python, features = {}, log }) {
  fs.mkdirSync(outDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  const cxx = process.env.CXX || 'c++';
  const jobs = [];
  const archives = [];
  for (const g of groups) {
    const gdir = path.join(outDir, `g${g.index}`);
    fs.mkdirSync(gdir, { recursive: true });
    const renames = g.modules.map((m) => `-D${m.symbol}=${m.linkSymbol}`);
    const seen = new Map();
    for (const given of g.sources) {
      const base = path.basename(given).replace(/\.[^.]+$/, '');
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const obj = path.join(gdir, `${base}${n > 1 ? `_${n}` : ''}.o`);
      const fromPyx = given.endsWith('.pyx');
      const src = fromPyx
        ? translatePyx({ pyx: given, moduleName: g.modules[0].name, outC: obj.replace(/\.o$/, '.c'), cython: features.cython })
        : given;
      const isCxx = CXX_EXT.test(src);
      const args = [
        '-c', src, '-o', obj, '-MMD', '-MF', obj.replace(/\.o$/, '.d'),
        '-fPIC', '-fvisibility=hidden', '-O2', '-g',
        ...(isCxx ? ['-std=c++17'] : []),
        ...pythonIncludes.map((d) => `-I${d}`),
        ...g.includeDirs.map((d) => `-I${d}`),
        ...g.defines.map((d) => `-D${d}`),
        ...renames,
        ...(fromPyx ? CYTHON_CFLAGS : []),
        ...extraFlags,
        ...g.cflags,
      ];
      const compiler = isCxx ? cxx : cc;
      const hash = crypto.createHash('sha1').update(JSON.stringify([compiler, args])).digest('hex');
      jobs.push({ compiler, args, obj, hash, src, group: g });
    }
    const crateLibraries = g.crate
      ? [buildCrate({ cargoToml: g.crate, crateType: 'staticlib', targetDir: path.join(outDir, 'cargo'), python, cargo: features.cargo })]
      : [];
    if (crateLibraries.length) log(`  built the crate ${path.relative(process.cwd(), g.crate)} for ${g.modules.map((m) => m.name).join(', ')}`);
    for (const lib of [...crateLibraries, ...g.libraries.filter((l) => l.endsWith('.a'))]) {
      // Prebuilt archives (PyO3's staticlib) cannot be renamed by a -D flag:
      // rename their init symbols in a private copy instead.
      const copy = path.join(gdir, path.basename(lib));
      fs.copyFileSync(lib, copy);
      const redefine = g.modules.flatMap((m) => ['--redefine-sym', `${m.symbol}=${m.linkSymbol}`]);
      const r = spawnSync('objcopy', [...redefine, copy], { encoding: 'utf8' });
      if (r.status !== 0) throw new BuildError(`static-py: objcopy could not rename the init symbols in ${lib}:\n${r.stderr || r.error}`);
      archives.push(copy);
    }
  }

  const parallel = Math.max(1, Math.min(os.availableParallelism?.() ?? 2, 4));
  let next = 0;
  let built = 0;
  const failures = [];
  async function worker() {
    while (next < jobs.length && !failures.length) {
      const job = jobs[next++];
      const stamp = `${job.obj}.cmd`;
      if (upToDate(job.obj, stamp, job.hash)) continue;
      const r = await run(job.compiler, job.args);
      if (r.code !== 0) {
        failures.push(`static-py: compiling ${job.src} for ${job.group.modules.map((m) => `"${m.name}"`).join(', ')} failed:\n` +
          `${job.compiler} ${job.args.join(' ')}\n${r.out.trim()}`);
        return;
      }
      fs.writeFileSync(stamp, job.hash);
      built++;
      if (built % 500 === 0) log(`  compiled ${built} extension sources`);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  if (failures.length) throw new BuildError(failures[0]);
  if (built) log(`  compiled ${built} of ${jobs.length} extension source(s)`);

  const objects = jobs.map((j) => j.obj);
  const archive = path.join(outDir, 'libstatic_py_ext.a');
  if (objects.length) {
    // Rebuild the archive from scratch so removed modules do not linger.
    fs.rmSync(archive, { force: true });
    const listFile = path.join(outDir, 'objects.txt');
    fs.writeFileSync(listFile, objects.map((o) => `"${o}"`).join('\n'));
    const r = spawnSync('ar', ['rcs', archive, `@${listFile}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new BuildError(`static-py: ar failed: ${r.stderr || r.error}`);
    archives.unshift(archive);
  }
  checkInitSymbols(groups, archives);
  return { archives, linkLibraries: groups.some((g) => g.crate) ? RUST_STATIC_LINK_LIBRARIES : [] };
}

/** Fails with the entry's name when no object defines its init function. */
function checkInitSymbols(groups, archives) {
  const wanted = new Map(groups.flatMap((g) => g.modules.map((m) => [m.linkSymbol, m])));
  if (!wanted.size) return;
  const defined = new Set();
  for (const a of archives) {
    const r = spawnSync('nm', ['--defined-only', '-g', a], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new BuildError(`static-py: nm ${a} failed: ${r.stderr || r.error}`);
    for (const line of r.stdout.split('\n')) {
      const sym = line.trim().split(/\s+/)[2];
      if (sym && wanted.has(sym)) defined.add(sym);
    }
  }
  const missing = [...wanted.values()].filter((m) => !defined.has(m.linkSymbol));
  if (missing.length) {
    const m = missing[0];
    throw new BuildError(`static-py: ${m.where}: none of its sources defines the init function ${m.symbol} ` +
      `(looked in ${[...m.sources, ...m.libraries].join(', ')}). Set "symbol" to the function its sources define` +
      `${missing.length > 1 ? ` (${missing.length - 1} more module(s) have the same problem)` : ''}.`);
  }
}
