// Loaded into every Node process of `npm run test:asan` (NODE_OPTIONS
// --require, set by scripts/test-asan.mjs). The ASan runtime is LD_PRELOADed
// because Node is not instrumented and the addon is; it belongs in Node
// processes only. Other programs the suite starts (cc, python3, cargo, sh)
// get their environment without it: rustc, for one, crashes at start with
// ASan's malloc in front of its own. Node children keep it.
'use strict';
const childProcess = require('node:child_process');
const path = require('node:path');
const { syncBuiltinESMExports } = require('node:module');

const runtime = process.env.STATIC_PY_ASAN_RUNTIME;

// Which command a report's pid was, and its parent, for scripts/test-asan.mjs
// to name the command and the test file beside the report: the suite starts
// hundreds of Node processes.
if (process.env.STATIC_PY_ASAN_COMMANDS) {
  require('node:fs').writeFileSync(path.join(process.env.STATIC_PY_ASAN_COMMANDS, String(process.pid)), JSON.stringify({
    ppid: process.ppid,
    argv: [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((a) => a.slice(0, 2000)),
  }));
}

function isNode(file) {
  return typeof file === 'string' && (file === process.execPath || path.basename(file) === 'node');
}

function withoutRuntime(env) {
  const copy = { ...env };
  const rest = (copy.LD_PRELOAD ?? '').split(':').filter((p) => p && p !== runtime);
  if (rest.length) copy.LD_PRELOAD = rest.join(':');
  else delete copy.LD_PRELOAD;
  return copy;
}

// (file, args?, options?) and (command, options?) forms alike: find the
// options object, or add one, and give non-Node programs a clean env.
function wrap(name, commandIsShell) {
  const original = childProcess[name];
  childProcess[name] = function (file, ...rest) {
    const i = rest.findIndex((a) => a !== null && typeof a === 'object' && !Array.isArray(a));
    const options = i >= 0 ? rest[i] : {};
    if (commandIsShell || options.shell || !isNode(file)) {
      const patched = { ...options, env: withoutRuntime(options.env ?? process.env) };
      if (i >= 0) rest[i] = patched;
      else {
        const callback = rest.findIndex((a) => typeof a === 'function');
        rest.splice(callback >= 0 ? callback : rest.length, 0, patched);
      }
    }
    return original.call(this, file, ...rest);
  };
}

if (runtime) {
  for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync']) wrap(name, false);
  for (const name of ['exec', 'execSync']) wrap(name, true);
  syncBuiltinESMExports();
}
