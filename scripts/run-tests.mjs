#!/usr/bin/env node
// `npm test`: compiles the tests with tsc and runs them with node's own test
// runner against the selected build (STATIC_PY_PYTHON / STATIC_PY_BUILD, or
// the default one). `node scripts/run-tests.mjs test/11.convert.test.ts`
// runs one file; arguments starting with - go to `node --test`.
import { compileTests, runNodeTests, testFiles } from './lib/tests.mjs';

const args = process.argv.slice(2);
const status = compileTests();
if (status !== 0) process.exit(status);
const { code } = await runNodeTests(testFiles(args.filter((a) => !a.startsWith('-'))), {
  flags: args.filter((a) => a.startsWith('-')),
});
process.exit(code);
