// The README is the user's first contact: its example runs as written and
// prints what its comments say.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { root } from './helpers/build.js';
import { runChild } from './helpers/child.js';

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The code block that follows `<!-- marker -->`. */
function block(marker: string): string {
  const match = new RegExp(`<!-- ${marker} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(match, `README.md has a block marked ${marker}`);
  return match[1]!;
}

describe('the README', () => {
  it('has an example that runs and prints what its comments say', async () => {
    const code = block('readme-example');
    const expected = code
      .split('\n')
      .filter((line) => line.trim().startsWith('console.log'))
      .map((line) => /\/\/ (.*)$/.exec(line)![1]!.trim());
    const r = await runChild(code);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
  });

  it('has a subinterpreter example (ESM) that runs and prints what it says', async () => {
    const code = block('readme-example-esm');
    const r = await runChild(code, { esm: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'true bigint');
  });
});
