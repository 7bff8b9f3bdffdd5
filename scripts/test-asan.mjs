#!/usr/bin/env node
// `npm run test:asan`: builds the addon with AddressSanitizer and
// UndefinedBehaviorSanitizer (scripts/build.mjs --sanitize, tag cpXY-asan)
// and runs the whole suite against it. Node is not instrumented, so the ASan
// runtime is preloaded into every process the suite starts; only processes
// named `node` look for leaks (test/sanitizers/node.asan-options), with
// test/sanitizers/lsan.supp. Every report of every process goes to a log
// file, and any finding fails the run, even one from a child process whose
// output a test swallowed. A crash of LeakSanitizer's own tracer is no
// finding: the test file of that process runs once more, and must be clean.
//   --python PATH   the CPython to build for (default: python3 on PATH)
//   --keep-logs     leave the report directory in place
//   --full-stacks   unwind with DWARF, through libpython's frames (which
//                   have no frame pointers); several times slower
//   --skip L        leave out the test files whose name starts with one of the
//                   comma-separated L (CI: 40.lab, the m_copy table, which runs
//                   the same probes on every build of the matrix; 41.lab-extensions
//                   keeps the lab's code under the sanitizers)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { buildOne } from './build.mjs';
import { BuildError } from './lib/python-probe.mjs';
import { compileTests, root, runNodeTests, summarize, testFiles } from './lib/tests.mjs';

const { values, positionals } = parseArgs({
  options: { python: { type: 'string' }, 'keep-logs': { type: 'boolean' }, 'full-stacks': { type: 'boolean' }, skip: { type: 'string' } },
  allowPositionals: true,
});

function fail(message) {
  console.error(`static-py test:asan: ${message}`);
  process.exit(1);
}

// The runtime of the compiler that instruments the addon (node-gyp uses c++).
const cxx = process.env.CXX || 'c++';
const asanRuntime = spawnSync(cxx, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout?.trim();
if (!asanRuntime || !path.isAbsolute(asanRuntime) || !fs.existsSync(asanRuntime)) {
  fail(`${cxx} has no ASan runtime (libasan.so); install it with \`apt-get install libasan8\` (it comes with gcc).`);
}

console.log('::: building the addon with -fsanitize=address,undefined');
let built;
try {
  built = (await buildOne({ python: values.python, sanitize: true, quiet: true })).info;
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  fail(`the sanitizer build failed:\n${e.message}`);
}
console.log(`    builds/${built.tag} (Python ${built.python.version.slice(0, 3).join('.')}), runtime ${asanRuntime}`);

if (compileTests() !== 0) process.exit(1);
const sanitizers = path.join(root, 'test', 'sanitizers');

/** The environment of one run: its reports go to `logs`, and every Node process says who it is in `commands`. */
function sanitizerEnv(logs, commands) {
  return {
    ...process.env,
    STATIC_PY_BUILD: built.tag,
    STATIC_PY_PYTHON: '',
    STATIC_PY_LINK: '',
    STATIC_PY_SANITIZER: 'asan',
    // A repeat of npm test's suite: what proves the same on every build (a
    // prebuild installed from the tarball, the bench end to end: neither runs
    // static-py's code differently) is left to npm test.
    STATIC_PY_TEST_REPEAT: '1',
    // Python's objects from malloc in every process, also in those that load
    // another (uninstrumented) build: LeakSanitizer cannot follow pointers held
    // in pymalloc's mmap()ed arenas.
    STATIC_PY_PYTHONMALLOC: 'malloc',
    LD_PRELOAD: [asanRuntime, process.env.LD_PRELOAD].filter(Boolean).join(':'),
    // ...and kept out of the other programs the suite starts (preload.cjs).
    STATIC_PY_ASAN_RUNTIME: asanRuntime,
    STATIC_PY_ASAN_COMMANDS: commands,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${sanitizers}/preload.cjs`].filter(Boolean).join(' '),
    // Leak checks off by default: the runtime is preloaded into gcc, python3,
    // sh... as well, whose leaks at exit are not ours. include_if_exists with
    // %b (the executable's name) turns them on for node only.
    ASAN_OPTIONS: [
      'detect_leaks=0',
      `include_if_exists=${sanitizers}/%b.asan-options`,
      `log_path=${logs}/report`,
      'abort_on_error=0',
      // Every suppression names a frame at the top of its stacks, which the
      // fast (frame-pointer) unwinder reaches.
      ...(values['full-stacks'] ? ['fast_unwind_on_malloc=0'] : []),
    ].join(':'),
    LSAN_OPTIONS: `suppressions=${sanitizers}/lsan.supp:print_suppressions=0`,
    UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${logs}/report`,
  };
}

// LeakSanitizer's stop-the-world tracer now and then crashes at exit instead
// of checking (google/sanitizers#1353): that process went unchecked, which
// is not a finding. Its test file runs once more, and must then be clean.
const TRACER_CRASH = /LeakSanitizer has encountered a fatal error/;
const FINDING = /ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error:/;

/** Runs `files` with the sanitizer runtime; every report, with the command and test file of its process. */
async function runOnce(files) {
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'static-py-asan-'));
  const commands = fs.mkdtempSync(path.join(os.tmpdir(), 'static-py-asan-commands-'));
  const { code, output } = await runNodeTests(files, { env: sanitizerEnv(logs, commands), capture: true });
  const who = (pid) => {
    const f = path.join(commands, String(pid));
    return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null;
  };
  const reports = fs.readdirSync(logs).map((name) => {
    const pid = Number(path.extname(name).slice(1));
    const text = fs.readFileSync(path.join(logs, name), 'utf8').trim();
    // The test file is the first process up the parent chain that runs one.
    let testFile = null;
    for (let p = who(pid), hops = 0; p && !testFile && hops < 20; p = who(p.ppid), hops++) {
      testFile = p.argv.find((a) => /\.test\.js$/.test(a)) ?? null;
    }
    return { name, text, command: who(pid)?.argv.join(' ') ?? 'not a Node process', testFile, toolCrash: TRACER_CRASH.test(text) && !FINDING.test(text) };
  });
  fs.rmSync(commands, { recursive: true, force: true });
  return { code, output, reports, logs };
}

/** The test files with a failing test, from the spec reporter's summary ("test at dist-test/NN.x.test.js:L:C"). */
const failingFiles = (output) => new Set([...output.matchAll(/^test at (\S+?\.test\.js):\d+:\d+$/gm)].map((m) => path.join(root, m[1])));

const started = Date.now();
const skip = values.skip?.split(',').map((l) => l.trim()).filter(Boolean) ?? [];
const suite = testFiles(positionals).filter((f) => !skip.some((l) => path.basename(f).startsWith(l)));
if (skip.length) console.log(`::: left out: ${skip.join(', ')}`);
const first = await runOnce(suite);
process.stdout.write(first.output);
const s = summarize(first.output);
const findings = first.reports.filter((r) => !r.toolCrash || !r.testFile);
const crashed = first.reports.filter((r) => r.toolCrash && r.testFile);
for (const r of findings) console.log(`\n::: sanitizer report ${r.name} (${r.command})\n${r.text}`);
const logDirs = [first.logs];
// A test whose child died of the tracer crash fails too; its file's second
// run decides for it. Failures in other files stand.
let failed = first.code !== 0 || s.fail > 0;
if (crashed.length) {
  const files = [...new Set(crashed.map((r) => r.testFile))];
  console.log(`\n::: LeakSanitizer's tracer crashed in ${crashed.length} process(es) (${crashed.map((r) => r.command.slice(0, 120)).join('; ')}); ` +
    `running ${files.map((f) => path.basename(f)).join(', ')} once more`);
  const again = await runOnce(files);
  logDirs.push(again.logs);
  const s2 = summarize(again.output);
  const rerunFailed = again.code !== 0 || s2.fail > 0;
  if (rerunFailed) process.stdout.write(again.output);
  for (const r of again.reports) console.log(`\n::: sanitizer report ${r.name} (${r.command})\n${r.text}`);
  findings.push(...again.reports);
  const elsewhere = [...failingFiles(first.output)].filter((f) => !files.includes(f));
  failed = rerunFailed || elsewhere.length > 0 || (failed && failingFiles(first.output).size === 0);
  console.log(`::: second run of ${files.map((f) => path.basename(f)).join(', ')}: ${s2.pass}/${s2.tests} tests passed, ${again.reports.length} sanitizer report(s)`);
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(`\nstatic-py test:asan on ${built.tag}: ${s.pass}/${s.tests} tests passed, ${s.fail} failed, ` +
  `${s.skipped} skipped, ${findings.length} sanitizer report(s)${crashed.length ? `, ${crashed.length} tracer crash(es) rerun` : ''} (${minutes} min)`);
if (!values['keep-logs']) for (const d of logDirs) fs.rmSync(d, { recursive: true, force: true });
else console.log(`reports kept in ${logDirs.join(', ')}`);
process.exit(failed || findings.length > 0 ? 1 : 0);
