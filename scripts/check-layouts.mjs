#!/usr/bin/env node
// Which layout of CPython's private structures each CPython release on this
// machine has, as static-py reads them (native/cpython/internals.h): the
// wall is compiled against each Python's own headers and loaded into that
// Python, which reports the signature. The table it keeps,
// native/cpython/checked_layouts.json, is what lets a prebuild made on one
// patch release run on another (lib/layouts.ts).
//
//   node scripts/check-layouts.mjs           add or update this machine's releases in the table
//   node scripts/check-layouts.mjs --check   exit 1 when a release the table lists has another layout
//                                            here, or the wall does not compile; a release the
//                                            table does not list is only reported (a machine with
//                                            other patch releases is not wrong, just unchecked)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './lib/paths.mjs';
import { findPythons } from './lib/pythons.mjs';

export const tableFile = path.join(root, 'native', 'cpython', 'checked_layouts.json');

const ASK = String.raw`
import ctypes, json, platform, sys, sysconfig
if sys.argv[1] == "include":
    print(json.dumps({"include": sysconfig.get_paths()["include"], "release": platform.python_version(),
                      "debug": hasattr(sys, "gettotalrefcount")}))
else:
    wall = ctypes.CDLL(sys.argv[2])
    wall.static_py_layout_signature.restype = ctypes.c_uint64
    print("%016x" % wall.static_py_layout_signature())
`;

/** { key: '3.11.7' | '3.11.2d', signature } for one Python, or { key, error }. */
export function layoutOf(python, scratch) {
  const ask = (...args) => spawnSync(python, ['-c', ASK, ...args], { encoding: 'utf8' });
  const about = ask('include');
  if (about.status !== 0) return { key: python, error: about.stderr.trim() };
  const { include, release, debug } = JSON.parse(about.stdout);
  const key = `${release}${debug ? 'd' : ''}`;
  const lib = path.join(scratch, `wall-${key}.so`);
  const cc = spawnSync(process.env.CC || 'cc', ['-shared', '-fPIC', `-I${path.join(root, 'native')}`, `-I${include}`,
    path.join(root, 'native', 'cpython', 'internals.c'), '-o', lib], { encoding: 'utf8' });
  if (cc.status !== 0) return { key, error: `compiling the wall failed:\n${cc.stderr}` };
  const signature = ask('signature', lib);
  if (signature.status !== 0) return { key, error: signature.stderr.trim() };
  return { key, signature: signature.stdout.trim() };
}

function main() {
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } });
  const table = fs.existsSync(tableFile) ? JSON.parse(fs.readFileSync(tableFile, 'utf8')) : { layouts: {} };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'static-py-layouts-'));
  const wrong = [];
  const unlisted = [];
  try {
    for (const p of findPythons({ includeDebug: true }).filter((x) => x.found)) {
      const found = layoutOf(p.python, scratch);
      if (found.error) {
        console.error(`static-py: ${p.label}: ${found.error}`);
        wrong.push(p.label);
        continue;
      }
      const recorded = table.layouts[found.key];
      const same = recorded === found.signature;
      console.log(`${found.key.padEnd(10)} ${found.signature}  ${p.label}${same ? '' : recorded ? ` (table says ${recorded})` : ' (not in the table)'}`);
      if (recorded === undefined) unlisted.push(found.key);
      else if (!same) wrong.push(found.key);
      table.layouts[found.key] = found.signature;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (values.check) {
    if (unlisted.length) console.log(`not in the table (prebuilds made elsewhere refuse them until it lists them): ${unlisted.join(', ')}`);
    if (wrong.length) {
      console.error(`static-py: ${tableFile} disagrees with this machine for ${wrong.join(', ')}; run node scripts/check-layouts.mjs`);
      process.exit(1);
    }
    return;
  }
  const sorted = Object.fromEntries(Object.entries(table.layouts).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
  fs.writeFileSync(tableFile, `${JSON.stringify({
    about: 'Layout signatures of the CPython private structures static-py reads (native/cpython/internals.h), per release ' +
      '("d": Py_DEBUG). Made by scripts/check-layouts.mjs; read by lib/layouts.ts.',
    layouts: sorted,
  }, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) main();
