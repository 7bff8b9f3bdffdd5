// Prints one list from the build description for binding.gyp, one item per
// line (gyp's <!@ splits on whitespace). The description is written by
// scripts/build.mjs, which is the only supported way to run node-gyp here.
// Run directly, node-gyp stops here with the command to use; its `clean`
// (first step of `node-gyp rebuild`) removed only its own build/ by then,
// and static-py's builds/ are untouched (scripts/lib/paths.mjs).
import fs from 'node:fs';

import { rebuildCommand } from './lib/paths.mjs';

const file = process.env.STATIC_PY_BUILD_CONFIG;
if (!file || !fs.existsSync(file)) {
  console.error(`static-py: binding.gyp is driven by scripts/build.mjs; run \`${rebuildCommand()}\` ` +
    '(with STATIC_PY_PYTHON=/path/to/python3 for another Python) instead of node-gyp directly. ' +
    'The builds in builds/ are untouched.');
  process.exit(1);
}
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
const key = process.argv[2];
if (!(key in config.gyp)) {
  console.error(`static-py: unknown build description key ${key}`);
  process.exit(1);
}
console.log(config.gyp[key].join('\n'));
