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

/** Every line of the README's ```sh blocks, comments dropped. */
function shellLines(): string[] {
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

describe('the README', () => {
  it('names only npm scripts, and options of the scripts behind them, that exist', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    let checked = 0;
    for (const line of shellLines()) {
      const m = /npm run ([\w:]+)(?: -- (.*))?$/.exec(line);
      if (!m) continue;
      const script = scripts[m[1]!];
      assert.ok(script, `README runs npm run ${m[1]}, which package.json does not define`);
      const file = /node (scripts\/[\w.-]+\.mjs)/.exec(script)?.[1];
      assert.ok(file, `npm run ${m[1]} runs a script of ours`);
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      for (const option of (m[2] ?? '').match(/--[\w-]+/g) ?? []) {
        assert.match(source, new RegExp(`'?${option.slice(2)}'?: \\{ type:`), `${file} takes ${option} (README: ${line})`);
      }
      checked++;
    }
    assert.ok(checked >= 7, `checked ${checked} commands`);
  });

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

  it('has a callbacks example that runs and prints what its comments say', async () => {
    const code = block('readme-example-callbacks');
    const expected = code.split('\n').filter((line) => /console\.log|callAsync/.test(line)).map((line) => /\/\/ (.*)$/.exec(line)![1]!.trim());
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
