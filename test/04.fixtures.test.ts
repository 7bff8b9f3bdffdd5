// The test extensions' header comments are their specification: every
// exported init function must be described there, so the outline cannot rot.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { extDir } from './helpers/build.js';

describe('the test extensions', () => {
  for (const file of fs.readdirSync(extDir).filter((f) => f.endsWith('.c'))) {
    it(`${file} describes every module it exports in its header comment`, () => {
      const source = fs.readFileSync(path.join(extDir, file), 'utf8');
      const header = /^\/\*[\s\S]*?\*\//.exec(source)?.[0] ?? '';
      assert.ok(header.length > 200, `${file} opens with a specification comment`);
      const exported = [...source.matchAll(/PyMODINIT_FUNC\s+(\w+)\s*\(/g)].map((m) => m[1]!);
      assert.ok(exported.length > 0);
      for (const symbol of exported) {
        // PyInit_<name> is described under <name>; PyInitU_ symbols are named outright.
        const name = symbol.startsWith('PyInitU_') ? symbol : symbol.replace(/^PyInit_/, '');
        assert.ok(header.includes(name), `${file}: the header comment does not describe ${symbol}`);
      }
    });
  }
});
