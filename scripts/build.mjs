#!/usr/bin/env node
// Builds the addon for one CPython build (or all of them) into
// builds/<tag>/static_py.node. Steps: probe the interpreter, read and check
// the static extension manifest, generate the table, compile the extensions,
// then let node-gyp build the addon from builds/<tag>/build-config.json
// (node-gyp's own scratch stays in build/, see scripts/lib/paths.mjs).
//
//   node scripts/build.mjs                    default Python (STATIC_PY_PYTHON or python3)
//   node scripts/build.mjs --python PATH      one interpreter
//   node scripts/build.mjs --all              every build found (scripts/lib/pythons.mjs)
//   node scripts/build.mjs --list-pythons     those builds as JSON, building nothing
//   options: --link static|shared  --backend gyp|cmake  --debug  --sanitize  --manifest FILE | --no-manifest
//            --tag NAME | --tag-suffix SUFFIX  --no-default  --quiet
//            --no-table   link every manifest extension but register none (an
//                         empty table): the bench's start-up baseline, which
//                         pays the extensions' own load cost and not static-py's
// A plain build of one Python (not --all, no debug, sanitizer, tag or
// suffix) becomes the default (builds/default.json), however the Python was
// named: --python or STATIC_PY_PYTHON. --no-default keeps the default as it is.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTable } from './lib/codegen.mjs';
import { compileExtensions } from './lib/compile.mjs';
import { detectFeatures } from './lib/features.mjs';
import { groupModules, loadManifest, locateManifest } from './lib/manifest.mjs';
import { buildsDir, root } from './lib/paths.mjs';
import { BuildError, buildTag, defaultPython, libpythonLinkage, probePython } from './lib/python-probe.mjs';
import { findPythons } from './lib/pythons.mjs';

const require = createRequire(import.meta.url);

function listNativeSources() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cc|c)$/.test(e.name)) out.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'native'));
  return out.sort();
}

/**
 * The table is what pulls each init function out of the extension archive
 * (and what makes it hidden: its declarations are); a --no-table build links
 * that archive whole and exports none of it, so the same code is in the addon
 * the same way. (Prebuilt archives such as a Rust staticlib stay as they are:
 * whole, they would bring their runtime's every object.)
 */
function withoutTable(archives, noTable) {
  if (!noTable) return archives;
  return archives.map((a) => (path.basename(a) === 'libstatic_py_ext.a'
    ? ['-Wl,--exclude-libs,libstatic_py_ext.a', '-Wl,--whole-archive', a, '-Wl,--no-whole-archive'] : [a])).flat();
}

function nodeGyp(args, env, log) {
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  const extra = [];
  // Build against the running Node's own headers when they are installed,
  // so no header download is ever needed (the machine may be offline).
  const nodedir = env.npm_config_nodedir || path.resolve(process.execPath, '..', '..');
  if (fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) extra.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, [gyp, ...args, ...extra], {
    cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    throw new BuildError(`static-py: node-gyp ${args[0]} failed:\n${(r.stdout + r.stderr).trim().split('\n').slice(-40).join('\n')}`);
  }
  if (env.STATIC_PY_VERBOSE) log(r.stdout + r.stderr);
}

/**
 * Waits until no other build uses node-gyp's build/, then holds it: a lock
 * file naming the holder's pid, taken over when that process is gone.
 * Returns the function that lets it go.
 */
async function lockGypScratch(log) {
  const lock = path.join(root, 'build', '.static-py-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number(fs.readFileSync(lock, 'utf8')) || 0;
    let alive = holder > 0;
    try {
      if (alive) process.kill(holder, 0);
    } catch {
      alive = false;
    }
    if (!alive) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (waited === 0) log(`  waiting for another build (pid ${holder}) to finish with node-gyp's build/`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * node-gyp compiles into build/, one directory for every build. Builds for
 * another Python or other flags (the test suite makes them in turn) would
 * each compile static-py's objects again, so each such configuration keeps
 * its object tree (build/Release, build/Debug) in builds/.gyp-objects/<key>,
 * and this puts the one for `gyp`'s configuration in build/. Called with
 * build/ held (lockGypScratch).
 */
function useGypObjects(gyp) {
  const { include_dirs, defines, cflags, cflags_cc } = gyp;
  const key = crypto.createHash('sha1').update(JSON.stringify({ include_dirs, defines, cflags, cflags_cc })).digest('hex').slice(0, 16);
  const scratch = path.join(root, 'build');
  const stash = path.join(buildsDir, '.gyp-objects');
  const keyFile = path.join(scratch, '.static-py-objects');
  const held = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8') : null;
  if (held === key) return;
  const trees = ['Release', 'Debug'];
  const kept = path.join(stash, key);
  const restoring = fs.existsSync(kept);
  // Unknown while the trees move, should this process die half-way.
  fs.rmSync(keyFile, { force: true });
  // What build/ holds goes aside under its key (a rename: the same file
  // system); objects of no known configuration (node-gyp run by hand) stay
  // for make to judge, unless this configuration's own come back.
  if (held) {
    fs.rmSync(path.join(stash, held), { recursive: true, force: true });
    fs.mkdirSync(path.join(stash, held), { recursive: true });
  }
  for (const tree of trees) {
    const inUse = path.join(scratch, tree);
    if (!fs.existsSync(inUse)) continue;
    if (held) fs.renameSync(inUse, path.join(stash, held, tree));
    else if (restoring) fs.rmSync(inUse, { recursive: true, force: true });
  }
  for (const tree of trees) {
    if (fs.existsSync(path.join(kept, tree))) fs.renameSync(path.join(kept, tree), path.join(scratch, tree));
  }
  fs.rmSync(kept, { recursive: true, force: true });
  fs.writeFileSync(keyFile, key);
}

// cmake-js, on CMakeLists.txt, from the same build-config.json; the .node
// it makes is copied out like node-gyp's.
function cmakeJs(configFile, outDir, debug, env, log) {
  const cli = require.resolve('cmake-js/bin/cmake-js');
  const work = path.join(outDir, 'cmake');
  const r = spawnSync(process.execPath, [cli, 'build', '--directory', root, '--out', work, '--parallel', '2',
    `--CDSTATIC_PY_BUILD_CONFIG=${configFile}`, ...(debug ? ['--debug'] : [])], {
    cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    throw new BuildError(`static-py: cmake-js build failed:\n${(r.stdout + r.stderr).trim().split('\n').slice(-40).join('\n')}`);
  }
  if (env.STATIC_PY_VERBOSE) log(r.stdout + r.stderr);
  const found = fs.readdirSync(work, { recursive: true }).find((f) => path.basename(f) === 'static_py.node');
  if (!found) throw new BuildError(`static-py: cmake-js made no static_py.node under ${work}`);
  return path.join(work, found);
}

export async function buildOne(opts) {
  const log = opts.quiet ? () => {} : (m) => console.log(m);
  const origin = opts.pythonOrigin ?? (opts.python ? '--python' : process.env.STATIC_PY_PYTHON ? 'STATIC_PY_PYTHON' : 'the default (python3 on PATH)');
  const info = probePython(opts.python ?? defaultPython(), origin);
  const link = opts.link ?? (process.env.STATIC_PY_LINK || 'shared');
  if (!['shared', 'static'].includes(link)) throw new BuildError(`static-py: STATIC_PY_LINK must be "shared" or "static", not "${link}".`);
  const backend = opts.backend ?? (process.env.STATIC_PY_BACKEND || 'gyp');
  if (!['gyp', 'cmake'].includes(backend)) throw new BuildError(`static-py: --backend must be "gyp" or "cmake", not "${backend}".`);
  // Both backends make the same addon, so they share a tag (build-info.json
  // records which one made it).
  const variant = [opts.sanitize ? 'asan' : opts.debug ? 'debug' : undefined, opts.tagSuffix].filter(Boolean).join('-') || undefined;
  const tag = opts.tag ?? buildTag(info, { link, variant });
  const outDir = path.join(buildsDir, tag);
  fs.mkdirSync(path.join(outDir, 'gen'), { recursive: true });
  log(`static-py: building ${tag} for Python ${info.version.slice(0, 3).join('.')} (${info.executable}, ${link} libpython)`);

  const linkage = libpythonLinkage(info, link);
  const features = detectFeatures(info);
  const located = locateManifest({ explicit: opts.manifest });
  const manifest = located ? loadManifest(located, { builtinNames: info.builtin_module_names, features }) : { modules: [], skipped: [] };
  for (const s of manifest.skipped) log(`  skipped static extension "${s.name}": ${s.why}`);
  const groups = groupModules(manifest.modules);
  const table = generateTable(opts.noTable ? [] : manifest.modules, tag);
  const tableFile = path.join(outDir, 'gen', 'static_table.cc');
  if (!fs.existsSync(tableFile) || fs.readFileSync(tableFile, 'utf8') !== table.source) fs.writeFileSync(tableFile, table.source);
  log(`  static table: ${table.stats.modules} module(s), ${table.stats.entries} name(s) in ${table.stats.slots} slots, longest probe ${table.stats.maxProbe}` +
    (opts.noTable ? ` (--no-table: ${manifest.modules.length} module(s) linked, none registered)` : ''));

  const sanitizeFlags = opts.sanitize ? ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined'] : [];
  const { archives, linkLibraries } = await compileExtensions({
    groups, outDir: path.join(outDir, 'ext'), pythonIncludes: info.include_dirs, extraFlags: sanitizeFlags,
    python: info.executable, features, log,
  });

  const [major, minor] = [info.major, info.minor];
  const ldflags = [...sanitizeFlags];
  // A prebuild carries no path from this machine: the loader puts the
  // selected Python's libpython in place before loading it (lib/binding.ts).
  if (linkage.rpath && !opts.prebuild) ldflags.push(`-Wl,-rpath,${linkage.rpath}`);
  // 3.12+: the package context lives where we cannot reach it, so calls to
  // PyModule_Create2 from the static extensions go through our wrapper
  // (native/loader/package_context.h explains the choice).
  if (major === 3 && minor >= 12) ldflags.push('-Wl,--wrap=PyModule_Create2');
  if (link === 'static') {
    // libpython is inside the .node: keep all of it, and export only the C
    // API (for extension modules loaded later) plus Node-API's entry point.
    ldflags.push('-Wl,--whole-archive', linkage.library, '-Wl,--no-whole-archive',
      `-Wl,--version-script=${path.join(root, 'native', 'static_link.map')}`, '-Wl,-Bsymbolic');
  }
  const config = {
    tag,
    python: info,
    link,
    manifest: located?.file ?? null,
    modules: manifest.modules.map((m) => ({ name: m.name, symbol: m.symbol, linkSymbol: m.linkSymbol, where: m.where })),
    skipped: manifest.skipped,
    // The optional toolchains found (features.mjs), for builds of the same
    // fixtures as shared libraries (the lab's dynamic loader).
    features,
    // The addon's whole description, read by binding.gyp (through
    // scripts/gyp-config.mjs) and by CMakeLists.txt alike. Paths are
    // relative to the package root.
    gyp: {
      sources: [...listNativeSources(), path.relative(root, tableFile)],
      include_dirs: [path.relative(root, path.resolve(require('node-addon-api').include_dir)), 'native', 'native/include', ...info.include_dirs],
      defines: [
        'NAPI_VERSION=9',
        'NODE_ADDON_API_DISABLE_DEPRECATED',
        // A worker being terminated can run no JS: a C++ exception turned into
        // a JS one there would fail to throw and end in std::terminate. With
        // this, node-addon-api drops it (the worker is going away).
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
        `STATIC_PY_LINK_STATIC=${link === 'static' ? 1 : 0}`,
        ...(opts.debug || opts.sanitize ? ['STATIC_PY_DEBUG=1'] : []),
        ...(opts.sanitize ? ['STATIC_PY_SANITIZE=1'] : []),
      ],
      cflags: ['-fvisibility=hidden', ...sanitizeFlags, ...(opts.debug || opts.sanitize ? ['-O1', '-g'] : [])],
      // C++ exceptions are on (node-addon-api's NAPI_CPP_EXCEPTIONS); no C++
      // exception may cross a CPython frame, see native/util/py_boundary.h.
      cflags_cc: ['-std=c++17', '-fexceptions'],
      ldflags,
      libraries: [...withoutTable(archives, opts.noTable), ...(link === 'shared' ? [linkage.library] : []), ...linkage.libraries,
        ...manifest.modules.flatMap((m) => m.libraries.filter((l) => !l.endsWith('.a'))), ...linkLibraries, '-ldl', '-lpthread'],
    },
  };
  const configFile = path.join(outDir, 'build-config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const env = { ...process.env, STATIC_PY_BUILD_CONFIG: configFile };
  const debug = Boolean(opts.debug || opts.sanitize);
  log(`  compiling and linking the addon with ${backend === 'cmake' ? 'cmake-js' : 'node-gyp'}`);
  if (backend === 'cmake') {
    fs.copyFileSync(cmakeJs(configFile, outDir, debug, env, log), path.join(outDir, 'static_py.node'));
  } else {
    // node-gyp has one scratch directory, build/, for every build: two at
    // once would link and copy each other's files, so one waits.
    const release = await lockGypScratch(log);
    try {
      useGypObjects(config.gyp);
      const gypOut = path.join(root, 'build', debug ? 'Debug' : 'Release');
      // gyp's Makefile does not count the extension archives (libraries) as
      // inputs of the link: with only an extension's source changed, make
      // would keep the old linked file. Removing it makes the link run.
      for (const linked of [path.join(gypOut, 'static_py.node'), path.join(gypOut, 'obj.target', 'static_py.node')]) fs.rmSync(linked, { force: true });
      nodeGyp(['configure', ...(debug ? ['--debug'] : [])], env, log);
      nodeGyp(['build', '--jobs', '2', ...(debug ? ['--debug'] : [])], env, log);
      fs.copyFileSync(path.join(gypOut, 'static_py.node'), path.join(outDir, 'static_py.node'));
    } finally {
      release();
    }
  }

  const buildInfo = {
    tag,
    link,
    backend,
    debug: Boolean(opts.debug),
    sanitize: Boolean(opts.sanitize),
    ...(opts.prebuild ? { prebuild: true } : {}),
    napiVersion: 9,
    python: {
      version: info.version,
      hexversion: info.hexversion,
      executable: info.executable,
      requested: info.requested,
      prefix: info.prefix,
      basePrefix: info.base_prefix,
      debug: info.debug,
      libpython: link === 'shared' ? linkage.library : null,
      libpythonStatic: link === 'static' ? linkage.library : null,
    },
    manifest: config.manifest,
    // Tells a build older than its manifest (lib/manifest-check.ts).
    ...(config.manifest ? { manifestSha256: crypto.createHash('sha256').update(fs.readFileSync(config.manifest)).digest('hex') } : {}),
    modules: opts.noTable ? 0 : config.modules.length,
    ...(opts.noTable ? { linkedWithoutTable: config.modules.length } : {}),
    skipped: manifest.skipped,
    // name -> version, or null where the toolchain was not found.
    toolchains: Object.fromEntries(Object.entries(features).map(([name, f]) => [name, f.ok ? f.version ?? 'found' : null])),
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(buildInfo, null, 2));
  if (opts.makeDefault) fs.writeFileSync(path.join(buildsDir, 'default.json'), JSON.stringify({ tag }, null, 2));
  log(`  built builds/${tag}/static_py.node`);
  return { tag, info: buildInfo };
}

/** prebuilds/<platform>-<arch>/static-py.<cpXY>.<libc>.node: scripts/prebuild.mjs's names. */
export function prebuildFile(info) {
  const libc = process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
  return path.join('prebuilds', `${process.platform}-${process.arch}`, `static-py.cp${info.major}${info.minor}${info.abiflags || ''}.${libc}.node`);
}

// npm install: a prebuild fits when the consumer lists no static extensions
// of their own (prebuilds have none) and one was made for this Python's
// minor version. Then no compiler is needed: builds/default.json records it
// with the Python and libpython to load it with (lib/binding.ts).
function usePrebuild({ manifest, quiet }) {
  const log = quiet ? () => {} : (m) => console.log(m);
  const located = locateManifest({ explicit: manifest });
  if (located) {
    log(`static-py: ${located.origin} lists static extensions: building from source`);
    return false;
  }
  const origin = process.env.STATIC_PY_PYTHON ? 'STATIC_PY_PYTHON' : 'the default (python3 on PATH)';
  const info = probePython(defaultPython(), origin);
  const file = prebuildFile(info);
  if (!fs.existsSync(path.join(root, file))) {
    log(`static-py: no prebuild for Python ${info.major}.${info.minor} (${file}): building from source`);
    return false;
  }
  if (!info.libpython_shared) {
    log(`static-py: ${info.executable} has no shared libpython for ${file} to use: building from source`);
    return false;
  }
  fs.mkdirSync(buildsDir, { recursive: true });
  const record = { prebuild: file, python: info.executable, libpython: info.libpython_shared, version: info.version.slice(0, 3) };
  fs.writeFileSync(path.join(buildsDir, 'default.json'), JSON.stringify(record, null, 2));
  log(`static-py: using ${file} for Python ${info.version.slice(0, 3).join('.')} (${info.executable}); nothing to compile`);
  return true;
}

/**
 * Whether a build made with these command-line options becomes the default:
 * a plain build of one Python, however the Python was named (--python or
 * STATIC_PY_PYTHON); not a debug, sanitizer, tagged or suffixed one, which
 * is loaded by its tag, and not with --no-default.
 */
export function makesDefault(values) {
  return !(values.all || values.debug || values.sanitize || values.tag || values['tag-suffix'] || values['no-default'] || values['no-table']);
}

async function main() {
  const { values } = parseArgs({
    options: {
      python: { type: 'string' },
      all: { type: 'boolean' },
      install: { type: 'boolean' },
      link: { type: 'string' },
      backend: { type: 'string' },
      debug: { type: 'boolean' },
      sanitize: { type: 'boolean' },
      manifest: { type: 'string' },
      'no-manifest': { type: 'boolean' },
      tag: { type: 'string' },
      'tag-suffix': { type: 'string' },
      'no-default': { type: 'boolean' },
      'no-table': { type: 'boolean' },
      quiet: { type: 'boolean' },
      'list-pythons': { type: 'boolean' },
    },
  });
  if (values['list-pythons']) {
    process.stdout.write(`${JSON.stringify(findPythons())}\n`);
    return;
  }
  const manifest = values['no-manifest'] ? false : values.manifest;
  const common = { link: values.link, backend: values.backend, debug: values.debug, sanitize: values.sanitize, manifest, quiet: values.quiet, tagSuffix: values['tag-suffix'], noTable: values['no-table'] };
  if (values.all) {
    const failures = [];
    for (const p of findPythons()) {
      if (!p.found) {
        console.log(`static-py: skipped ${p.label}: ${p.why}`);
        continue;
      }
      try {
        await buildOne({ ...common, python: p.python, pythonOrigin: p.label });
      } catch (e) {
        if (!(e instanceof BuildError)) throw e;
        console.error(e.message);
        failures.push(p.label);
      }
    }
    if (failures.length) {
      console.error(`static-py: ${failures.length} build(s) failed: ${failures.join(', ')}`);
      process.exit(1);
    }
    return;
  }
  if (values.install && !values.python && usePrebuild({ manifest, quiet: values.quiet })) return;
  await buildOne({ ...common, python: values.python, tag: values.tag, makeDefault: makesDefault(values) });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof BuildError ? e.message : e.stack);
    process.exit(1);
  });
}
