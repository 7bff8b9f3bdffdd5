// The lab pointed at a user's extension, and the reproducer runner. The
// subject, test/fixtures/ext/user/cached_static.c, keeps a class in a C
// static on first init, as MarkupSafe 2.1's _speedups keeps Markup, and
// counts nothing itself: the lab observes it from outside. Its verdict is
// pinned per CPython version; CPython's own loader (`dynamic`) is the
// ground truth the verdict is read from.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { lab, repro } from '../dist/lab/index.js';
import type { LabReport } from '../dist/lab/report.js';
import { markdown } from '../dist/lab/report.js';
import { build, pyVersion, root, tempDir } from './helpers/build.js';

const [, minor] = pyVersion();
const cli = path.join(root, 'dist', 'cli.js');
const USER_MANIFEST = path.join(root, 'test', 'fixtures', 'ext', 'user', 'manifest.json');
const EXERCISE = ['m.make()', 'm.make().describe()'];
const under = () => [build().info.python.executable];

// The sentences of _cachedstatic's verdict, by CPython minor version.
const LEGACY_SHARES = "in legacy interpreters it hands out main's objects (m_copy)";
const RETURNS_MAINS = "what it returns in a legacy interpreter is made of main's classes";
const LOSES = 'a re-import loses attributes added after import';
const BROKEN_AFTER_FIRST_SUB = "after a subinterpreter that imported it first ended, in main: m.make().describe() fails (NameError: name 'str' is not defined)";
// 3.9 ends an interpreter by setting its builtins' names to None rather than removing them.
const BROKEN_AFTER_FIRST_SUB_39 = "after a subinterpreter that imported it first ended, in main: m.make().describe() fails (TypeError: 'NoneType' object is not callable)";
const ISOLATED_LOADER = "with static-py's isolated loader, legacy interpreters get a module of their own, but what it returns is still made of main's classes (state in C statics)";
// 3.13+ run a subinterpreter's first single-phase init in main, so CPython keeps main's class; the isolated loader runs it in the subinterpreter.
const ISOLATED_BREAKS_MAIN = "with static-py's isolated loader, after a subinterpreter that imported it first ended, in main: m.make().describe() fails (NameError: name 'str' is not defined)";
const PINNED_VERDICT: Record<number, string[]> = {
  8: ['no isolated interpreters before 3.12', LEGACY_SHARES, RETURNS_MAINS, LOSES, BROKEN_AFTER_FIRST_SUB, ISOLATED_LOADER],
  9: ['no isolated interpreters before 3.12', LEGACY_SHARES, RETURNS_MAINS, LOSES, BROKEN_AFTER_FIRST_SUB_39, ISOLATED_LOADER],
  10: ['no isolated interpreters before 3.12', LEGACY_SHARES, RETURNS_MAINS, LOSES, BROKEN_AFTER_FIRST_SUB, ISOLATED_LOADER],
  11: ['no isolated interpreters before 3.12', LEGACY_SHARES, RETURNS_MAINS, LOSES, BROKEN_AFTER_FIRST_SUB, ISOLATED_LOADER],
  12: ['refused by isolated interpreters (single-phase)', LEGACY_SHARES, RETURNS_MAINS, LOSES, BROKEN_AFTER_FIRST_SUB, ISOLATED_LOADER],
  13: ['refused by isolated interpreters (single-phase)', LEGACY_SHARES, RETURNS_MAINS, LOSES, "survives a subinterpreter's end", ISOLATED_LOADER, ISOLATED_BREAKS_MAIN],
  14: ['refused by isolated interpreters (single-phase)', LEGACY_SHARES, RETURNS_MAINS, LOSES, "survives a subinterpreter's end", ISOLATED_LOADER, ISOLATED_BREAKS_MAIN],
};

describe(`the lab on a user's extension (_cachedstatic), CPython 3.${minor} (${build().info.tag})`, () => {
  let report: LabReport;
  before(async () => {
    report = await lab({ extensions: USER_MANIFEST, python: under(), exercise: EXERCISE, jobs: 2 });
    assert.deepEqual(report.builds.filter((b) => b.error), [], 'the build under test could not run the lab');
  }, { timeout: 600_000 });

  it('runs every scenario, the exercise ones included, with every loader, and no run crashed or hung', () => {
    assert.equal(report.results.length, report.scenarios.length * 3);
    assert.ok(report.scenarios.includes('exercise-legacy'));
    assert.deepEqual(report.results.filter((r) => r.status === 'crash' || r.status === 'timeout').map((r) => `${r.scenario} ${r.loader}: ${r.cell}`), []);
  });

  it("counts init calls without the module's help, and the static form agrees with CPython's own loader in every cell", () => {
    const at = (scenario: string, loader: string) => report.results.find((r) => r.scenario === scenario && r.loader === loader);
    assert.match(at('first-import', 'dynamic')!.cell, /^init ×1; def yes; m_copy made$/);
    // From m_copy in legacy interpreters (CPython); init again in each (the isolated loader).
    assert.equal(at('init-count', 'dynamic')!.cell, '1 → 1 → 1 → 1');
    assert.equal(at('init-count', 'isolated')!.cell, '1 → 1 → 2 → 2');
    const differ = report.results.filter((r) => r.loader === 'cpython')
      .filter((r) => `${r.status}: ${r.cell}` !== `${at(r.scenario, 'dynamic')?.status}: ${at(r.scenario, 'dynamic')?.cell}`)
      .map((r) => `${r.scenario}: static ${r.status}: ${r.cell} | dynamic ${at(r.scenario, 'dynamic')?.cell}`);
    assert.deepEqual(differ, []);
  });

  it(`says, for 3.${minor}, what the module does in plain words: the pinned verdict`, () => {
    const [verdict] = report.verdicts!;
    assert.equal(report.verdicts!.length, 1);
    assert.deepEqual(verdict!.sentences.map((s) => s.text), PINNED_VERDICT[minor]);
    assert.equal(verdict!.safe, false);
    assert.equal(verdict!.summary, `${build().info.python.version.slice(0, 3).join('.')}: ${PINNED_VERDICT[minor]!.join('; ')}`);
  });

  it('backs each sentence with cells that are in the report', () => {
    for (const sentence of report.verdicts![0]!.sentences) {
      assert.ok(sentence.cells.length > 0, sentence.text);
      for (const c of sentence.cells) {
        const [scenario, loader] = c.split(' · ');
        assert.ok(report.results.some((r) => r.scenario === scenario && r.loader === loader), c);
      }
    }
  });

  it('puts the verdicts above the matrix in the markdown report', () => {
    const text = markdown(report);
    assert.ok(text.indexOf('## Verdicts') < text.indexOf('## Loader: cpython'));
    assert.match(text, /- \*\*_cachedstatic\*\* on `[^`]+`: 3\.\d+\.\d+: /);
  });
});

describe('a module that is safe in subinterpreters', () => {
  it('says so', { skip: minor < 12 && 'isolated interpreters exist from 3.12' }, async () => {
    const dir = tempDir();
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ modules: [{ name: '_staticpytest_multiphase', sources: [path.join(root, 'test', 'fixtures', 'ext', 'multiphase.c')] }] }));
    const report = await lab({ extensions: manifest, python: under(), loaders: ['dynamic', 'cpython'], jobs: 2 });
    const [verdict] = report.verdicts!;
    assert.equal(verdict!.safe, true, verdict!.summary);
    assert.match(verdict!.summary, /^3\.\d+\.\d+: safe in subinterpreters: imports in isolated interpreters; legacy interpreters get objects of their own; a re-import loses attributes added after import; survives a subinterpreter's end$/);
  });
});

describe("the lab on a user's C++, Cython and Rust modules", () => {
  // The framework fixtures, listed as a user's manifest would list them.
  const ext = path.join(root, 'test', 'fixtures', 'ext');
  const entries = [
    { name: 'internal.cpp_extension.using_pybind11', sources: [path.join(ext, 'pybind11', 'using_pybind11.cpp')], requires: ['pybind11'] },
    { name: 'cy.fast', sources: [path.join(ext, 'cython', 'fast.pyx')] },
    { name: 'rs.native', crate: path.join(ext, 'pyo3', 'Cargo.toml'), requires: ['pyo3'] },
  ];
  // Left out where the framework does not support this Python; missing
  // toolchains skip the test (fail it, in CI).
  const skipped = new Map(build().info.skipped.map((x) => [x.name, x]));
  const present = entries.filter((e) => !skipped.get(e.name)?.unsupported);
  const absent = present.find((e) => skipped.has(e.name));
  const skip = !present.length ? 'no framework supports this Python'
    : absent && process.env.STATIC_PY_TEST_TOOLCHAINS !== 'required' ? `${absent.name}: ${skipped.get(absent.name)!.why}` : false;

  it('counts their init calls from outside, static and shared-library forms alike', { skip }, async () => {
    const dir = path.join(root, 'builds', 'test-children', 'lab-framework-manifest');
    fs.mkdirSync(dir, { recursive: true });
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ modules: present }, null, 2));
    const report = await lab({ extensions: manifest, python: under(), scenarios: ['first-import', 'init-count'], loaders: ['cpython', 'dynamic'], jobs: 2 });
    assert.deepEqual(report.builds.filter((b) => b.error), []);
    for (const { name } of present) {
      const at = (scenario: string, loader: string) => report.results.find((r) => r.variant === name && r.scenario === scenario && r.loader === loader)!;
      assert.match(at('first-import', 'dynamic').cell, /^init ×1; /, `${name}: ${at('first-import', 'dynamic').cell}`);
      assert.equal(at('first-import', 'cpython').cell, at('first-import', 'dynamic').cell, name);
      assert.equal(at('init-count', 'cpython').cell, at('init-count', 'dynamic').cell, name);
    }
  });
});

describe('static-py repro', () => {
  const script = (name: string, text: string) => {
    const file = path.join(tempDir(), name);
    fs.writeFileSync(file, text);
    return file;
  };

  it("runs a script that makes an interpreter with CPython's own module and imports a static module there", async () => {
    const file = script('two.py', [
      'import sys',
      'try:',
      '    import _interpreters as I',
      'except ImportError:',
      '    import _xxsubinterpreters as I',
      'import _cachedstatic',
      "interp = I.create(I.new_config('legacy')) if hasattr(I, 'new_config') else I.create(isolated=False) if sys.version_info >= (3, 12) else I.create()",
      "(I.exec if hasattr(I, 'exec') else I.run_string)(interp, 'import _cachedstatic; _cachedstatic.make()')",
      'I.destroy(interp)',
      "print('made', type(_cachedstatic.make()).__name__, 'argv', sys.argv[0].endswith('two.py'))",
    ].join('\n'));
    const { results } = await repro({ script: file, extensions: USER_MANIFEST, python: under() });
    assert.equal(results.length, 1);
    assert.equal(results[0]!.status, 'ok', results[0]!.stderr);
    assert.equal(results[0]!.stdout, 'made Cached argv True');
  });

  it('reports a reproducer that segfaults as a crash with its signal, and what it printed before', async () => {
    const file = script('segv.py', "import faulthandler\nprint('about to crash')\nfaulthandler._sigsegv()\n");
    const [r] = (await repro({ script: file, python: under() })).results;
    assert.equal(r!.status, 'crash');
    assert.equal(r!.signal, 'SIGSEGV');
    assert.equal(r!.stdout, 'about to crash');
  });

  it('reports a reproducer that loops forever as a timeout, and kills it', async () => {
    const file = script('loop.py', 'while True:\n    pass\n');
    const [r] = (await repro({ script: file, python: under(), timeoutMs: 3000 })).results;
    assert.equal(r!.status, 'timeout');
    assert.equal(r!.timedOut, true);
    assert.ok(r!.ms >= 3000);
  });

  it('gives a script its SystemExit code, and an uncaught exception exit 1 with the traceback', async () => {
    const exits = await repro({ script: script('exit.py', 'raise SystemExit(3)\n'), python: under() });
    assert.equal(exits.results[0]!.exitCode, 3);
    const raises = await repro({ script: script('raise.py', "def f():\n    raise KeyError('gone')\nf()\n"), python: under() });
    assert.equal(raises.results[0]!.status, 'failed');
    assert.equal(raises.results[0]!.exitCode, 1);
    assert.match(raises.results[0]!.stderr, /line 2, in f\n.*\nKeyError: 'gone'$/s);
  });

  it('calls the function a JavaScript or TypeScript module exports with `python`', async () => {
    const js = await repro({ script: script('r.js', "module.exports = (python) => console.log('js', python.main.eval('6 * 7'));\n"), python: under() });
    assert.equal(js.results[0]!.stdout, 'js 42');
    const ts = await repro({ script: script('r.ts', "export default (python: { main: { eval(s: string): unknown } }): void => console.log('ts', python.main.eval('6 * 7'));\n"), python: under() });
    assert.equal(ts.results[0]!.stdout, 'ts 42', ts.results[0]!.stderr);
  });
});

describe('static-py repro and lab --extensions on bad input: a clear line each, exit code non-zero', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: tempDir(), encoding: 'utf8' });
  const python = () => ['--python', build().info.python.executable];

  it('a reproducer that does not exist, or is not a script, is a usage error', () => {
    const missing = run(['repro', '/nonexistent/repro.py']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'static-py repro: /nonexistent/repro.py does not exist\n');
    const odd = path.join(tempDir(), 'notes.txt');
    fs.writeFileSync(odd, 'hello');
    const kind = run(['repro', odd]);
    assert.equal(kind.status, 2);
    assert.match(kind.stderr, /is neither a Python script \(\.py\) nor a JavaScript or TypeScript module/);
  });

  it('a reproducer that does not parse says so for the build, and exits 1', () => {
    const file = path.join(tempDir(), 'bad.py');
    fs.writeFileSync(file, 'def broken(:\n');
    const r = run(['repro', file, ...python(), '--out', tempDir()]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /: exit 2 after [\d.]+ s\n {4}static-py repro: \S+bad\.py does not parse on Python 3\.\d+: SyntaxError: /);
  });

  it('one that never ends, and one that kills its own process, are a line each', () => {
    const loop = path.join(tempDir(), 'loop.py');
    fs.writeFileSync(loop, 'while True:\n    pass\n');
    const hung = run(['repro', loop, ...python(), '--timeout', '2', '--out', tempDir()]);
    assert.equal(hung.status, 1);
    assert.match(hung.stdout, /: hung: killed after [\d.]+ s/);
    const kill = path.join(tempDir(), 'kill.py');
    fs.writeFileSync(kill, 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n');
    const killed = run(['repro', kill, ...python(), '--out', tempDir()]);
    assert.equal(killed.status, 1);
    assert.match(killed.stdout, /: crashed \(SIGKILL\) after [\d.]+ s/);
  });

  it('runs the other builds when one cannot be made, and writes the reports', () => {
    const file = path.join(tempDir(), 'ok.py');
    fs.writeFileSync(file, "print('fine')\n");
    const out = tempDir();
    const r = run(['repro', file, '--python', '/bin/true', ...python(), '--out', out]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /--python \/bin\/true: not run: static-py: --python names \/bin\/true, which is not a CPython interpreter/);
    assert.match(r.stdout, /\(Python 3\.\d+\.\d+\): exit 0 after/);
    const written = JSON.parse(fs.readFileSync(path.join(out, 'repro-results.json'), 'utf8')) as { results: { status: string }[] };
    assert.deepEqual(written.results.map((x) => x.status), ['not run', 'ok']);
    assert.ok(fs.readFileSync(path.join(out, 'repro-report.md'), 'utf8').includes('| build | Python | outcome |'));
  });

  it('a --module that is not in the manifest, or --variant with --extensions, is a usage error', () => {
    const module = run(['lab', '--extensions', USER_MANIFEST, '--module', 'nope']);
    assert.equal(module.status, 2);
    assert.equal(module.stderr, `static-py lab: --module nope is not in ${USER_MANIFEST}; its modules: _cachedstatic\n`);
    const variant = run(['lab', '--extensions', USER_MANIFEST, '--variant', 'sp-1']);
    assert.equal(variant.status, 2);
    assert.match(variant.stderr, /--variant picks static-py's test extensions; with --extensions, use --module/);
  });

  it("a manifest that does not build gives the compiler's error, naming the module, and exits 1", () => {
    // A fixed place, so that every run asks for the same lab build (its tag comes from the manifest's path).
    const dir = path.join(root, 'builds', 'test-children', 'lab-manifest-that-does-not-build');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'broken_syntax.c'), '#include <Python.h>\nPyMODINIT_FUNC PyInit__brokensyntax(void) { return nope; }\n');
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ modules: [{ name: '_brokensyntax', sources: ['broken_syntax.c'] }] }));
    const r = run(['lab', '--extensions', path.join(dir, 'manifest.json'), ...python(), '--quiet', '--out', tempDir()]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no build ran, so no reports were written:\n {2}--python \S+: static-py: compiling \S+broken_syntax\.c for "_brokensyntax" failed:/);
    assert.match(r.stderr, /error: .nope. undeclared/);
  });
});
