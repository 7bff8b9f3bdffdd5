// One reproducer run on one build, in a process of its own (scripts may
// crash it or never end): a Python script run as __main__ in static-py's
// main interpreter, or a JavaScript module's exported function called with
// `python` (a TypeScript one is transpiled with the project's own
// `typescript` first). The exit code is the script's: 0, its SystemExit
// code, 1 for an uncaught exception (traceback on stderr), 2 when it does
// not parse or exports no function.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { python } from '../python.js';

// Run in __main__; the script's own globals are runpy's, not these.
const RUN_SCRIPT = String.raw`
import os, runpy, sys, traceback

def _static_py_repro(path, python_path):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # what a crash leaves behind is what was said
        except Exception:
            pass
    sys.argv = [path]
    sys.path[:0] = [os.path.dirname(path)] + list(python_path)
    try:
        try:
            with open(path, "rb") as f:
                compile(f.read(), path, "exec")
        except (SyntaxError, ValueError) as e:
            print("static-py repro: %s does not parse on Python %d.%d: %s: %s"
                  % (path, sys.version_info[0], sys.version_info[1], type(e).__name__, e), file=sys.stderr)
            return 2
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            if e.code is None or isinstance(e.code, int):
                return e.code or 0
            print(e.code, file=sys.stderr)
            return 1
        except BaseException:
            traceback.print_exc()
            return 1
        return 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
`;

// A TypeScript module, transpiled next to itself (so its relative imports
// resolve) with the typescript its project has (else static-py's own, when
// installed), and removed after loading.
async function importModule(script: string): Promise<unknown> {
  if (!/\.[cm]?ts$/.test(script)) return import(pathToFileURL(script).href);
  let ts: { transpileModule(source: string, options: object): { outputText: string } };
  try {
    // The script's project's typescript, else the one next to static-py.
    const where = [script, __filename].find((from) => { try { return !!createRequire(from).resolve('typescript'); } catch { return false; } });
    ts = createRequire(where ?? script)('typescript') as typeof ts;
  } catch {
    throw new Error(`static-py repro: ${script} is TypeScript, and no \`typescript\` package is installed where it is; compile it to .js first`);
  }
  const out = path.join(path.dirname(script), `.${path.basename(script)}.static-py-repro.cjs`);
  const { outputText } = ts.transpileModule(fs.readFileSync(script, 'utf8'), { compilerOptions: { module: 1 /* CommonJS */, target: 9 /* ES2022 */, esModuleInterop: true }, fileName: script });
  fs.writeFileSync(out, outputText);
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    fs.rmSync(out, { force: true });
  }
}

async function main(script: string, pythonPath: string[], loader: string): Promise<number> {
  if (loader) python.configure({ loader: loader as 'cpython' | 'isolated' });
  if (script.endsWith('.py')) {
    python.main.exec(RUN_SCRIPT);
    return python.main.call('_static_py_repro', script, pythonPath) as number;
  }
  // A JSON list of strings is a Python list literal.
  if (pythonPath.length) python.main.exec(`import sys\nsys.path[:0] = ${JSON.stringify(pythonPath)}`);
  const loaded = (await importModule(script)) as { default?: unknown };
  const fn = typeof loaded.default === 'function' ? loaded.default
    : typeof (loaded.default as { default?: unknown })?.default === 'function' ? (loaded.default as { default: unknown }).default : null;
  if (typeof fn !== 'function') {
    process.stderr.write(`static-py repro: ${script} exports no function; export one that takes \`python\` (module.exports = (python) => ...)\n`);
    return 2;
  }
  await (fn as (p: typeof python) => unknown)(python);
  return 0;
}

if (require.main === module) {
  const [script, pythonPath, loader] = process.argv.slice(2);
  main(path.resolve(script!), JSON.parse(pythonPath ?? '[]') as string[], loader ?? '').then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
