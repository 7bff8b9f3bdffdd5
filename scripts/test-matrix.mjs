#!/usr/bin/env node
// `npm run test:matrix`: builds the addon for every CPython build on the
// machine (scripts/lib/pythons.mjs), then with cmake-js and with static
// libpython, and runs the whole suite against each, printing one line per
// build. Missing builds are reported, never dropped.
//   --debug                 also the Debian python3.11-dbg (Py_DEBUG) build
//   --skip-default          leave out the leg that is the default build (npm test
//                           has just run the suite on it: CI)
//   --skip L                leave out the legs labelled exactly as one of the
//                           comma-separated L (CI: Debian's shared python3.11,
//                           the same 3.11.2 as its Py_DEBUG and static legs)
//   --cpython-suites-on L   CPython's own thread and interpreter tests (test/90)
//                           only on the legs whose label contains one of the
//                           comma-separated L (CI: a minute or two a build)
//   --core-only-on L        only the core suites (CORE_SUITES: runtime, conversion,
//                           calls, the loader, interpreters) on the legs whose label
//                           contains one of the comma-separated L (CI: cmake-js
//                           and static libpython, CPythons other legs cover, built
//                           or linked another way)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { findPythons } from './lib/pythons.mjs';
import { compileTests, root, runNodeTests, summarize, testFiles } from './lib/tests.mjs';

const { values } = parseArgs({
  options: { debug: { type: 'boolean' }, verbose: { type: 'boolean' }, 'skip-default': { type: 'boolean' }, skip: { type: 'string' }, 'cpython-suites-on': { type: 'string' }, 'core-only-on': { type: 'string' } },
});
const skipped = new Set(values.skip?.split(',').map((l) => l.trim()));
const suitesOn = values['cpython-suites-on']?.split(',').map((l) => l.trim()).filter(Boolean);
const coreOnlyOn = values['core-only-on']?.split(',').map((l) => l.trim()).filter(Boolean) ?? [];
// What depends on how the addon was built rather than on which CPython it embeds.
const CORE_SUITES = /^(02\.build|10\.runtime|11\.convert|13\.call|14\.gil|20\.loader|21\.loader|30\.interpreters)\b/;
if (compileTests() !== 0) process.exit(1);
const files = testFiles();
const lines = [];
let failed = false;
// Every build found, with node-gyp and shared libpython; then the same
// suite on the other two ways to build: cmake-js (CMakeLists.txt), and
// libpython linked into the .node (Debian's libpython3.11-pic.a).
const pythons = findPythons({ includeDebug: values.debug });
const debian = pythons.find((p) => p.label === 'Debian python3.11');
const newest = pythons.filter((p) => p.found && p.label.startsWith('pyenv')).at(-1);
const legs = [
  ...pythons,
  newest
    ? { ...newest, label: `cmake-js ${newest.label.replace('pyenv ', '')}`, build: ['--backend', 'cmake'] }
    : { label: 'cmake-js', found: false, why: 'no pyenv CPython to build with' },
  debian.found && fs.existsSync('/usr/lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11-pic.a')
    ? { ...debian, label: 'static Debian python3.11', build: ['--link', 'static'], env: { STATIC_PY_LINK: 'static' } }
    : { label: 'static Debian python3.11', found: false, why: 'needs /usr/bin/python3.11 and libpython3.11-pic.a (apt-get install python3.11-dev)' },
];
const defaultPython = (() => {
  try {
    const { tag } = JSON.parse(fs.readFileSync(path.join(root, 'builds', 'default.json'), 'utf8'));
    return fs.realpathSync(JSON.parse(fs.readFileSync(path.join(root, 'builds', tag, 'build-config.json'), 'utf8')).python.executable);
  } catch {
    return null;
  }
})();
for (const p of legs) {
  if (values['skip-default'] && p.found && !p.build && fs.realpathSync(p.python) === defaultPython) {
    lines.push(`skipped  ${p.label.padEnd(24)} the default build: npm test runs the suite on it`);
    console.log(lines.at(-1));
    continue;
  }
  if (skipped.has(p.label)) {
    lines.push(`skipped  ${p.label.padEnd(24)} left out by --skip`);
    console.log(lines.at(-1));
    continue;
  }
  if (!p.found) {
    lines.push(`skipped  ${p.label.padEnd(24)} ${p.why}`);
    console.log(lines.at(-1));
    continue;
  }
  const started = Date.now();
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--python', p.python, ...(p.build ?? []), '--no-default', '--quiet'], {
    cwd: root, encoding: 'utf8',
  });
  if (b.status !== 0) {
    failed = true;
    lines.push(`FAILED   ${p.label.padEnd(24)} build failed:\n${(b.stderr || b.stdout).trim()}`);
    console.log(lines.at(-1));
    continue;
  }
  // STATIC_PY_TEST_REPEAT: what npm test runs once (test/60, test/65) is not run again.
  const env = { ...process.env, STATIC_PY_PYTHON: p.python, STATIC_PY_BUILD: '', STATIC_PY_LINK: '', STATIC_PY_TEST_REPEAT: '1', ...p.env };
  if (suitesOn && !suitesOn.some((l) => p.label.includes(l))) env.STATIC_PY_TEST_CPYTHON_SUITES = '';
  const core = coreOnlyOn.some((l) => p.label.includes(l));
  const { code, output } = await runNodeTests(core ? files.filter((f) => CORE_SUITES.test(path.basename(f))) : files, { env, capture: true });
  const s = summarize(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const ok = code === 0 && s.fail === 0 && s.cancelled === 0;
  if (!ok) failed = true;
  lines.push(`${ok ? 'passed ' : 'FAILED '}  ${p.label.padEnd(24)} ${s.pass}/${s.tests} tests, ${s.skipped} skipped${core ? ', core suites only' : ''} (${seconds} s)`);
  console.log(lines.at(-1));
  if (!ok || values.verbose) {
    // The runner's own summary of what failed, else how the run ended.
    const all = output.split('\n');
    const from = all.findIndex((l) => l.startsWith('✖ failing tests:'));
    console.log((from >= 0 ? all.slice(from, from + 120) : all.slice(-40)).join('\n'));
  }
}
console.log(`\nstatic-py test matrix\n${lines.join('\n')}`);
process.exit(failed ? 1 : 0);
