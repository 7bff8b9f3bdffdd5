#!/usr/bin/env node
// The `static-py` command.
//   static-py info          the selected build, its Python, and its static modules
//   static-py builds        every build under build/
//   static-py lab           the m_copy lab (lib/lab/command.ts)
import { listBuilds } from './binding.js';
import { labCommand } from './lab/command.js';
import { python } from './python.js';

const USAGE = `usage: static-py <command>

commands:
  info      the build that loads (STATIC_PY_PYTHON / STATIC_PY_BUILD / default), its Python and static modules
  builds    every build made so far (npm run build -- --python PATH adds one)
  lab       the m_copy lab: scenarios x init variants x loaders, on one build or --all
            (static-py lab --help)
`;

function info(): void {
  const v = python.version;
  const b = python.build;
  console.log(`build       ${b.tag} (${b.link} libpython${b.debug ? ', debug' : ''})`);
  console.log(`python      ${v.major}.${v.minor}.${v.micro} ${v.releaselevel}${v.debug ? ' (Py_DEBUG)' : ''}, ${b.python.executable}`);
  console.log(`libpython   ${b.python.libpython ?? b.python.libpythonStatic ?? 'linked in'}`);
  console.log(`manifest    ${b.manifest ?? '(none)'}`);
  const toolchains = Object.entries(b.toolchains ?? {}).map(([name, version]) => `${name} ${version ?? '(not found)'}`);
  if (toolchains.length) console.log(`toolchains  ${toolchains.join(', ')}`);
  const modules = python.staticModules();
  console.log(`static      ${modules.length} module(s)${modules.length ? ':' : ''}`);
  for (const m of modules) console.log(`  ${m.name.padEnd(44)} ${m.symbol}`);
  for (const s of b.skipped) console.log(`  skipped ${s.name}: ${s.why}`);
}

function builds(): void {
  const all = listBuilds();
  if (!all.length) console.log('no builds yet: run `npm run build`');
  for (const b of all) {
    console.log(`${b.info.tag.padEnd(20)} Python ${b.info.python.version.slice(0, 3).join('.').padEnd(8)} ${b.info.python.executable}`);
  }
}

const commands: Record<string, (args: string[]) => number | Promise<number>> = {
  info: () => (info(), 0),
  builds: () => (builds(), 0),
  lab: labCommand,
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
