// Prints one list from the build description for binding.gyp, one item per
// line (gyp's <!@ splits on whitespace). The description is written by
// scripts/build.mjs, which is the only supported way to run node-gyp here.
import fs from 'node:fs';

const file = process.env.STATIC_PY_BUILD_CONFIG;
if (!file || !fs.existsSync(file)) {
  console.error('static-py: binding.gyp is driven by scripts/build.mjs; run `npm run build` ' +
    '(or `node scripts/build.mjs --python /path/to/python3`) instead of node-gyp directly.');
  process.exit(1);
}
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
const key = process.argv[2];
if (!(key in config.gyp)) {
  console.error(`static-py: unknown build description key ${key}`);
  process.exit(1);
}
console.log(config.gyp[key].join('\n'));
