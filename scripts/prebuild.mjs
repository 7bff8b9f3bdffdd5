#!/usr/bin/env node
// npm run prebuild: prebuilt addons, one per platform and CPython minor
// version, made with prebuildify (Node-API, so one per Python serves every
// Node 20+):
//   prebuilds/linux-x64/static-py.cp311.glibc.node  and its .json
//   node scripts/prebuild.mjs                  every CPython build found (not debug ones)
//   node scripts/prebuild.mjs --python PATH    that Python (repeatable)
//   --out DIR                                  write DIR/prebuilds/ (default: the package root)
// A prebuild has no static extensions and no run path: lib/binding.ts loads
// the selected Python's libpython first, so one cp311 prebuild serves any
// CPython 3.11 with a shared libpython. A consumer with a manifest of their
// own builds from source at install (scripts/build.mjs --install).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { prebuildFile } from './build.mjs';
import { root } from './lib/paths.mjs';
import { BuildError, probePython } from './lib/python-probe.mjs';
import { findPythons } from './lib/pythons.mjs';

const require = createRequire(import.meta.url);
const prebuildify = require('prebuildify');

// npm also runs a "prebuild" script as the pre-hook of "build", with the
// same environment; only npm's own command line tells the two apart.
function runAsHookOfBuild() {
  if (process.env.npm_lifecycle_event !== 'prebuild') return false;
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    try {
      // npm sets its process title to "npm run <script>", spaces and all.
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]+/).filter(Boolean);
      const run = argv.findIndex((a) => a === 'run' || a === 'run-script');
      if (run >= 0 && argv.some((a) => /\bnpm(-cli\.js)?$/.test(a))) return argv[run + 1] !== 'prebuild';
      pid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}
if (runAsHookOfBuild()) process.exit(0);

const USAGE = 'usage: node scripts/prebuild.mjs [--python PATH ...] [--out DIR] [--quiet]';
let values;
try {
  ({ values } = parseArgs({ options: { python: { type: 'string', multiple: true }, out: { type: 'string' }, quiet: { type: 'boolean' } } }));
} catch (e) {
  console.error(`static-py prebuild: ${e.message}\n${USAGE}`);
  process.exit(2);
}
const out = path.resolve(values.out ?? root);
const log = values.quiet ? () => {} : (m) => console.log(m);
const pythons = values.python ?? findPythons().filter((p) => p.found).map((p) => p.python);

const made = new Map();
for (const python of pythons) {
  let info;
  try {
    info = probePython(python, values.python ? '--python' : 'the CPython builds found');
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
  const file = prebuildFile(info);
  if (made.has(file)) {
    log(`static-py prebuild: ${file} already made from ${made.get(file)}; ${info.executable} skipped`);
    continue;
  }
  if (info.debug) {
    log(`static-py prebuild: ${info.executable} is a debug build; prebuilds are for release builds`);
    continue;
  }
  log(`static-py prebuild: ${file} from ${info.executable} (Python ${info.version.slice(0, 3).join('.')})`);
  // prebuildify passes its environment on to the command it runs.
  process.env.STATIC_PY_PREBUILD_PYTHON = info.executable;
  const name = path.basename(file).replace(/\.[^.]+\.node$/, '');
  await new Promise((resolve, reject) => prebuildify({
    napi: true, strip: true, tagLibc: true, name, cwd: root, out, quiet: Boolean(values.quiet),
    nodeGyp: path.join(root, 'scripts', 'prebuild-compile.mjs'),
  }, (e) => (e ? reject(e) : resolve())));
  // What the loader needs to know before it loads the file.
  const meta = {
    python: { major: info.major, minor: info.minor, abiflags: info.abiflags || '', builtWith: info.version.slice(0, 3).join('.') },
    napiVersion: 9,
    sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(out, file))).digest('hex'),
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(out, file.replace(/\.node$/, '.json')), `${JSON.stringify(meta, null, 2)}\n`);
  made.set(file, info.executable);
}
log(`static-py prebuild: ${made.size} prebuild(s) in ${path.join(out, 'prebuilds')}`);
