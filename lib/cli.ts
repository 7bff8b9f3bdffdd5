#!/usr/bin/env node
// The `static-py` command.
//   static-py info          the selected build, its Python, and its static modules
//   static-py builds        every build under builds/
//   static-py lab           the m_copy lab (lib/lab/command.ts)
//   static-py repro         a reproducer on each build (lib/lab/command.ts)
import path from 'node:path';

import { defaultRecord, listBuilds, listPrebuilds, packageRoot, prebuildTag, rebuildCommand } from './binding.js';
import { staleManifest } from './manifest-check.js';
import { python } from './python.js';

const USAGE = `usage: static-py <command>

commands:
  info      the build that loads (STATIC_PY_PYTHON / STATIC_PY_BUILD / default), its Python and static modules
  builds    every build made so far and every prebuild, the default marked with *
  lab       the m_copy lab: scenarios x init variants x loaders, on one build or --all;
            --extensions MANIFEST for your own modules (static-py lab --help)
  repro     a reproducer script on each build, in a fresh process each (static-py repro --help)
`;

function info(): void {
  const v = python.version;
  const b = python.build;
  const made = b.python.version.slice(0, 3).join('.');
  const prebuilt = b.prebuild && made !== `${v.major}.${v.minor}.${v.micro}` ? ` (prebuilt with ${made})` : '';
  console.log(`build       ${b.tag} (${b.link} libpython${b.debug ? ', debug' : ''})`);
  console.log(`python      ${v.major}.${v.minor}.${v.micro} ${v.releaselevel}${v.debug ? ' (Py_DEBUG)' : ''}, ${b.python.executable}${prebuilt}`);
  console.log(`libpython   ${b.python.libpython ?? b.python.libpythonStatic ?? 'linked in'}`);
  console.log(`manifest    ${b.manifest ?? '(none)'}`);
  const toolchains = Object.entries(b.toolchains ?? {}).map(([name, version]) => `${name} ${version ?? '(not found)'}`);
  if (toolchains.length) console.log(`toolchains  ${toolchains.join(', ')}`);
  const modules = python.staticModules();
  console.log(`static      ${modules.length} module(s)${modules.length ? ':' : ''}`);
  for (const m of modules) console.log(`  ${m.name.padEnd(44)} ${m.symbol}`);
  for (const s of b.skipped) console.log(`  skipped ${s.name}: ${s.why}`);
  const stale = staleManifest(b);
  if (stale) {
    console.log(`\nThe manifest changed after this build was made${stale.added.length ? `; it now also lists ${stale.added.join(', ')}` : ''}.`);
    console.log(`Rebuild: ${rebuildCommand(b.python.executable)}`);
  }
}

function builds(): void {
  const recorded = defaultRecord();
  const rows: [boolean, string, string, string][] = listBuilds().map((b) => [
    recorded?.tag === b.info.tag, b.info.tag, b.info.python.version.slice(0, 3).join('.'), b.info.python.executable]);
  for (const [file, meta] of listPrebuilds()) {
    const key = `cp${meta.python.major}${meta.python.minor}${meta.python.abiflags}`;
    const inUse = recorded?.prebuild !== undefined && path.resolve(packageRoot, recorded.prebuild) === file;
    rows.push([inUse, prebuildTag(key), `${meta.python.major}.${meta.python.minor}`,
      `${path.relative(packageRoot, file)} (prebuilt with ${meta.python.builtWith}${inUse ? `, for ${recorded!.python}` : ''})`]);
  }
  if (!rows.length) {
    console.log(`no builds yet: run \`${rebuildCommand()}\``);
    return;
  }
  for (const [isDefault, tag, version, where] of rows) {
    console.log(`${isDefault ? '*' : ' '} ${tag.padEnd(20)} Python ${version.padEnd(8)} ${where}`);
  }
  if (rows.some(([isDefault]) => isDefault)) {
    console.log("\n* the default: what require('static-py') loads when neither STATIC_PY_BUILD nor STATIC_PY_PYTHON is set");
  }
}

const commands: Record<string, (args: string[]) => number | Promise<number>> = {
  info: () => (info(), 0),
  builds: () => (builds(), 0),
  // The lab is its own entry point (static-py/lab): loaded only when asked for.
  lab: async (args) => (await import('./lab/command.js')).labCommand(args),
  repro: async (args) => (await import('./lab/command.js')).reproCommand(args),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const run = commands[command];
  if (!run) {
    process.stderr.write(`static-py: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
