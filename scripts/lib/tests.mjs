// Compiling and running the test suite; shared by `npm test` and the matrix.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { root } from './paths.mjs';

export { root };
const require = createRequire(import.meta.url);
const testDir = path.join(root, 'dist-test');

/** tsc -p tsconfig.test.json; returns the exit status. */
export function compileTests() {
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.test.json')], {
    cwd: root, stdio: 'inherit',
  });
  return r.status ?? 1;
}

/** Compiled test files for `names` (test/NN.x.test.ts or NN.x), or all of them. */
export function testFiles(names = []) {
  if (names.length) return names.map((f) => path.join(testDir, path.basename(f).replace(/\.ts$/, '.js')));
  return fs.readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(testDir, f));
}

/**
 * Runs `node --test` on `files`. With `capture`, resolves to the output
 * instead of printing it.
 */
export function runNodeTests(files, { env = process.env, flags = [], capture = false } = {}) {
  const args = ['--test', '--test-concurrency=2', '--test-reporter=spec', ...flags, ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The counts the spec reporter prints at the end. */
export function summarize(output) {
  const count = (label) => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? 0);
  return { tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped'), cancelled: count('cancelled') };
}
