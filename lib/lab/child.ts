// One lab run: one scenario, one variant, one loader, in a process of its
// own (Python starts once per process, and a scenario may crash it). The
// result is the last line of stdout, prefixed so stray output cannot be
// mistaken for it.
import { LabContext } from './context.js';
import type { ChildArgs } from './runner.js';
import { SCENARIOS, type ScenarioResult } from './scenarios.js';

export const RESULT_PREFIX = 'LAB-RESULT ';

function run(args: ChildArgs): ScenarioResult {
  const scenario = SCENARIOS.find((s) => s.id === args.scenario);
  if (!scenario || !args.variant) return { status: 'error', cell: `unknown scenario or no variant: ${args.scenario}` };
  const ctx = new LabContext(args);
  if (scenario.modernOnly && !ctx.modern) return { status: 'n/a', cell: 'needs isolated interpreters (CPython 3.12+)' };
  try {
    return scenario.run(ctx);
  } catch (e) {
    const err = e as { pythonType?: string; pythonMessage?: string; message?: string };
    return { status: 'error', cell: err.pythonType ? `${err.pythonType}: ${err.pythonMessage}` : String(err.message ?? e) };
  }
}

if (require.main === module) {
  const result = run(JSON.parse(process.argv[2] ?? '{}') as ChildArgs);
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
