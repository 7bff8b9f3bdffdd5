// The lab's scenario catalogue. Each scenario answers one question about
// what importing an extension module does across re-imports and
// interpreters, runs once per init variant and loader in a fresh child
// process (lib/lab/child.ts), and reports a cell that says what happened.
import { describeLoad, type Exercised, type LabContext, type Load, refusedBy } from './context.js';

/** ok: it worked; shared: objects of another interpreter (or of the same
 *  extension under another name) reached this module;
 *  refused: CPython refused the import by design; error: it failed;
 *  crash/timeout: the child died or hung; n/a: does not apply here. */
export type Status = 'ok' | 'shared' | 'refused' | 'error' | 'crash' | 'timeout' | 'n/a';

export interface ScenarioResult {
  status: Status;
  /** What happened, in a sentence or two. */
  cell: string;
  /**
   * The gist in a few words, for the SVG matrix (the status when absent).
   * It claims nothing the cell does not say.
   */
  short?: string;
  /** first-import only: what kind of init the module turned out to have. */
  initKind?: 'single-phase' | 'multi-phase' | 'none';
  /** exercise scenarios: each expression that failed in main after the subinterpreter ended, with its error. */
  failures?: string[];
}

export interface Scenario {
  id: string;
  question: string;
  /** Needs isolated interpreters (CPython 3.12+). */
  modernOnly?: boolean;
  /** Runs only when the run has exercise expressions (`--exercise`). */
  needsExercise?: boolean;
  run(ctx: LabContext): ScenarioResult;
}

/** The result of a scenario stopped by a failed load: refused on purpose, or an error. */
const failed = (load: Load): ScenarioResult => {
  const by = refusedBy(load);
  return { status: by ? 'refused' : 'error', cell: describeLoad(load), short: by ? `${by} refuses` : 'fails' };
};
/** The status of a scenario made of several loads, some of which may have failed. */
const overall = (loads: Load[]): ScenarioResult['status'] => {
  const failures = loads.filter((l) => !l.ok);
  return !failures.length ? 'ok' : failures.every((l) => refusedBy(l)) ? 'refused' : 'error';
};
type Loaded = Load & { ok: true };

/**
 * Imports the module in main, runs `between`, forgets it, imports it again:
 * both loads, or the failure as the scenario's result.
 */
function importTwice(ctx: LabContext, { alias = false, between }: { alias?: boolean; between?: () => void } = {}): [Loaded, Loaded] | ScenarioResult {
  const first = ctx.load(ctx.main, { alias });
  if (!first.ok) return failed(first);
  between?.();
  ctx.forget(ctx.main, { alias });
  const second = ctx.load(ctx.main, { alias });
  if (!second.ok) return failed(second);
  return [first, second];
}
const calls = (n: number | null): string => (n === null ? '?' : `×${n}`);
/** "init ×1", or "init ×1, ran in interpreter 0" when it last ran somewhere else (3.13: in main). */
const initHere = (load: Loaded): string => {
  const { init_count, init_interpreter, interpreter } = load.obs;
  const elsewhere = init_interpreter !== null && init_interpreter !== interpreter;
  return `init ${calls(init_count)}${elsewhere ? `, last in ${init_interpreter === 0 ? 'main' : `interpreter ${init_interpreter}`}` : ''}`;
};

/**
 * first-import: What does the first import in the main interpreter give:
 * how many init calls, does PyModule_GetDef see a def, is there an m_copy?
 */
function firstImport(ctx: LabContext): ScenarioResult {
  const load = ctx.load(ctx.main);
  if (!load.ok) return failed(load);
  const state = ctx.state(ctx.main);
  const copy = state.mCopy === null ? 'no m_copy (m_size is not -1)' : state.mCopy.present ? 'm_copy made' : 'no m_copy';
  return {
    status: 'ok', initKind: state.initKind, short: state.mCopy?.present ? 'm_copy made' : 'no m_copy',
    cell: `init ${calls(load.obs.init_count)}; def ${state.def ? 'yes' : 'none'}; ${copy}`,
  };
}

/**
 * reimport: After `del sys.modules[name]`, does `import` call the init
 * function again, and does it give the same module object?
 */
function reimport(ctx: LabContext): ScenarioResult {
  const both = importTwice(ctx);
  if (!Array.isArray(both)) return both;
  const [first, second] = both;
  const again = second.obs.init_count !== first.obs.init_count;
  const kept = ctx.state(ctx.main).def !== null;
  const def = kept ? 'def kept' : 'no def (made from m_copy)';
  const same = second.obs.id === first.obs.id;
  return {
    status: 'ok',
    short: again ? 'init again' : same ? 'same module' : kept ? 'new module' : 'from m_copy',
    cell: `${again ? `init called again (${calls(second.obs.init_count)})` : 'init not called'}; ` +
      `${same ? 'same module' : 'new module'}; ${def}`,
  };
}

/**
 * attributes: Does an attribute added to the module after the first import
 * survive a re-import?
 */
function attributes(ctx: LabContext): ScenarioResult {
  const both = importTwice(ctx, { between: () => ctx.mark(ctx.main) });
  if (!Array.isArray(both)) return both;
  const [, second] = both;
  const fate = second.obs.added ? 'kept' : 'lost';
  return { status: 'ok', cell: `added attribute ${fate}`, short: `attribute ${fate}` };
}

/**
 * function-self: After a re-import, which module does a module function's
 * `__self__` point at: the new module, or the first one?
 */
function functionSelf(ctx: LabContext): ScenarioResult {
  const both = importTwice(ctx);
  if (!Array.isArray(both)) return both;
  const [first, second] = both;
  if (second.obs.id === first.obs.id) return { status: 'ok', cell: 'the same module both times', short: 'same module' };
  if (second.obs.self_is_module) return { status: 'ok', cell: '__self__ is the new module', short: 'new module' };
  if (second.obs.self_name === null) {
    return { status: 'ok', cell: `__self__ is not a module (${second.obs.self_type})`, short: `a ${second.obs.self_type}` };
  }
  const shared = second.obs.fn_id === first.obs.fn_id;
  return { status: 'ok', cell: `__self__ is the first module${shared ? ' (functions copied from m_copy)' : ''}`, short: 'first module' };
}

/**
 * init-count: How many times has the init function run after: the import
 * in main, a re-import there, the import in a legacy subinterpreter, and a
 * re-import there?
 */
function initCount(ctx: LabContext): ScenarioResult {
  const loads: Load[] = [ctx.load(ctx.main)];
  if (loads[0]!.ok) {
    ctx.forget(ctx.main);
    loads.push(ctx.load(ctx.main));
    const sub = ctx.newInterpreter('legacy');
    try {
      const inSub = ctx.load(sub);
      loads.push(inSub);
      if (inSub.ok) {
        ctx.forget(sub);
        loads.push(ctx.load(sub));
      }
    } finally {
      sub.close();
    }
  }
  const counts = loads.map((l) => (l.ok ? String(l.obs.init_count) : describeLoad(l)));
  const status = overall(loads);
  return { status, cell: counts.join(' → '), ...(status === 'ok' ? { short: counts.join('→') } : {}) };
}

/**
 * legacy-after-main: Imported in main, then in a legacy subinterpreter:
 * does the subinterpreter get objects of its own, or main's?
 */
function legacyAfterMain(ctx: LabContext): ScenarioResult {
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const sub = ctx.newInterpreter('legacy');
  try {
    const inSub = ctx.load(sub);
    if (!inSub.ok) return failed(inSub);
    if (inSub.obs.fn_id === inMain.obs.fn_id) {
      return { status: 'shared', cell: `init ${calls(inSub.obs.init_count)}; shares main's objects (copied from m_copy)`, short: "main's objects" };
    }
    return { status: 'ok', cell: `init ${calls(inSub.obs.init_count)}; objects of its own`, short: 'own objects' };
  } finally {
    sub.close();
  }
}

/**
 * sub-first-closed: First imported in a legacy subinterpreter, which is
 * then closed; what does an import in main get? Where did init run for the
 * subinterpreter (3.13 runs it in main first, so the m_copy is main's)?
 */
function subFirstClosed(ctx: LabContext): ScenarioResult {
  const sub = ctx.newInterpreter('legacy');
  const inSub = ctx.load(sub);
  sub.close();
  if (!inSub.ok) return failed(inSub);
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const again = inMain.obs.init_count !== inSub.obs.init_count;
  const main = again ? `init called again (${calls(inMain.obs.init_count)})` : 'init not called (made from m_copy)';
  return { status: 'ok', cell: `sub: ${initHere(inSub)}; main: ${main}`, short: `main: ${again ? 'init again' : 'from m_copy'}` };
}

/**
 * sub-closed-after-main: Imported in main and in a legacy subinterpreter;
 * the subinterpreter is closed. Does a re-import in main still find the
 * m_copy (which main made)?
 */
function subClosedAfterMain(ctx: LabContext): ScenarioResult {
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const sub = ctx.newInterpreter('legacy');
  const inSub = ctx.load(sub);
  sub.close();
  if (!inSub.ok) return failed(inSub);
  ctx.forget(ctx.main);
  const again = ctx.load(ctx.main);
  if (!again.ok) return failed(again);
  const called = again.obs.init_count !== inSub.obs.init_count;
  return { status: 'ok', cell: `re-import in main: ${called ? `init called again (${calls(again.obs.init_count)})` : 'init not called'}`, short: called ? 'init again' : 'init not called' };
}

/**
 * isolated-before-after: In an isolated subinterpreter (3.12+), does the
 * import work before main has the module, and after main cached it?
 */
function isolatedBeforeAfter(ctx: LabContext): ScenarioResult {
  const before = ctx.newInterpreter('isolated');
  const first = ctx.load(before);
  before.close();
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const after = ctx.newInterpreter('isolated');
  const second = ctx.load(after);
  after.close();
  return { status: overall([first, second]), cell: `before main: ${describeLoad(first)}; after main: ${describeLoad(second)}` };
}

/**
 * legacy-and-isolated: In a fresh legacy and a fresh isolated
 * subinterpreter, with main never having imported it?
 */
function legacyAndIsolated(ctx: LabContext): ScenarioResult {
  const legacy = ctx.newInterpreter('legacy');
  const inLegacy = ctx.load(legacy);
  legacy.close();
  const loads = [inLegacy];
  let isolated = 'n/a before 3.12';
  if (ctx.modern) {
    const interp = ctx.newInterpreter('isolated');
    const load = ctx.load(interp);
    interp.close();
    isolated = describeLoad(load);
    loads.push(load);
  }
  return { status: overall(loads), cell: `legacy: ${inLegacy.ok ? `ok, ${initHere(inLegacy)}` : describeLoad(inLegacy)}; isolated: ${isolated}` };
}

/**
 * dotted-reimport: Imported as `staticpytest_pkg.<module>`, a dotted name
 * ending in the def's own name: what is __name__ at the first import, and
 * after a re-import?
 */
function dottedReimport(ctx: LabContext): ScenarioResult {
  const both = importTwice(ctx, { alias: true });
  if (!Array.isArray(both)) return both;
  const [first, second] = both;
  const kept = second.obs.name === first.obs.name;
  return { status: 'ok', cell: `first: ${first.obs.name}; re-import: ${second.obs.name}`, short: kept ? 'name kept' : 'short name' };
}

/**
 * two-names: The same extension imported twice in one interpreter, under
 * its own name and under `staticpytest_pkg.<module>`: does the second name
 * run the init function again, and whose copy does a re-import of the first
 * name get?
 */
function twoNames(ctx: LabContext): ScenarioResult {
  const first = ctx.load(ctx.main);
  if (!first.ok) return failed(first);
  const second = ctx.load(ctx.main, { alias: true });
  if (!second.ok) return failed(second);
  ctx.forget(ctx.main);
  const again = ctx.load(ctx.main);
  if (!again.ok) return failed(again);
  const secondRan = second.obs.init_count !== first.obs.init_count;
  // The test extensions number each dict they fill (INIT_SERIAL); a user's
  // module is followed by the identity of its functions instead.
  const serials = first.obs.serial !== null;
  const mark = (load: Loaded) => (serials ? load.obs.serial : load.obs.fn_id);
  const crossed = mark(again) === mark(second) && mark(second) !== mark(first);
  const gist = crossed ? "second name's copy" : mark(again) === mark(first) ? 'own copy' : 'init again';
  const whose = crossed ? "the second name's functions" : mark(again) === mark(first) ? 'its own functions' : 'new functions';
  return {
    status: crossed ? 'shared' : 'ok',
    short: gist,
    cell: `second name: init ${secondRan ? 'called again' : 'not called'}; re-import of the first name: ` +
      (serials ? `INIT_SERIAL ${again.obs.serial} (first ${first.obs.serial}, second ${second.obs.serial})` : whose),
  };
}

/** What one exercise gave, said briefly: "main's Cached", "own Cached", "str", or the error. */
function sayExercised(e: Exercised, main?: Exercised): string {
  if (!e.ok) return `fails (${e.error})`;
  if (e.builtin || !main?.ok) return e.type;
  return e.typeId === main.typeId ? `main's ${e.type}` : `own ${e.type}`;
}
/** Each expression with what it gave: `expr → result; …`. */
const listExercised = (ctx: LabContext, results: Exercised[], main?: Exercised[]) =>
  results.map((r, i) => `${ctx.exercises[i]} → ${sayExercised(r, main?.[i])}`).join('; ');
const anyFails = (results: Exercised[]) => results.some((r) => !r.ok);
const failuresOf = (ctx: LabContext, results: Exercised[]) =>
  results.flatMap((r, i) => (r.ok ? [] : [`${ctx.exercises[i]} fails (${r.error})`]));

/**
 * exercise-legacy: Imported and exercised in main, then in a legacy
 * subinterpreter: are the values the subinterpreter gets made of its own
 * classes, or of main's (a class cached in a C static, or copied from m_copy)?
 */
function exerciseLegacy(ctx: LabContext): ScenarioResult {
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const mainResults = ctx.exercise(ctx.main);
  const sub = ctx.newInterpreter('legacy');
  try {
    const inSub = ctx.load(sub);
    if (!inSub.ok) return failed(inSub);
    const subResults = ctx.exercise(sub);
    const shared = subResults.some((r, i) => r.ok && !r.builtin && mainResults[i]?.ok && r.typeId === (mainResults[i] as { typeId: number }).typeId);
    return {
      status: anyFails(subResults) || anyFails(mainResults) ? 'error' : shared ? 'shared' : 'ok',
      short: shared ? "main's objects" : anyFails(subResults) ? 'fails in sub' : 'own objects',
      cell: `main: ${listExercised(ctx, mainResults)}; legacy: ${listExercised(ctx, subResults, mainResults)}`,
    };
  } finally {
    sub.close();
  }
}

/** Imports and exercises the module in a fresh legacy subinterpreter, then closes it. */
function exercisedInEndedSub(ctx: LabContext): { load: Load; results: Exercised[] } {
  const sub = ctx.newInterpreter('legacy');
  try {
    const load = ctx.load(sub);
    return { load, results: load.ok ? ctx.exercise(sub) : [] };
  } finally {
    sub.close();
  }
}

/**
 * exercise-sub-first-closed: Imported and exercised first in a legacy
 * subinterpreter, which is then closed; does the module still work in main?
 */
function exerciseSubFirstClosed(ctx: LabContext): ScenarioResult {
  const { load: inSub, results: subResults } = exercisedInEndedSub(ctx);
  if (!inSub.ok) return failed(inSub);
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return { ...failed(inMain), cell: `after the subinterpreter ended, main: ${describeLoad(inMain)}` };
  const mainResults = ctx.exercise(ctx.main);
  const broke = anyFails(mainResults) && !anyFails(subResults);
  return {
    status: anyFails(mainResults) ? 'error' : 'ok',
    failures: failuresOf(ctx, mainResults),
    short: broke ? 'main broken' : anyFails(mainResults) ? 'fails' : 'main works',
    cell: `sub: ${listExercised(ctx, subResults)}; after it ended, main: ${listExercised(ctx, mainResults)}`,
  };
}

/**
 * exercise-after-sub-closed: Imported and exercised in main and in a legacy
 * subinterpreter, which is then closed: does the module still work in main?
 */
function exerciseAfterSubClosed(ctx: LabContext): ScenarioResult {
  const inMain = ctx.load(ctx.main);
  if (!inMain.ok) return failed(inMain);
  const before = ctx.exercise(ctx.main);
  const { load: inSub, results: subResults } = exercisedInEndedSub(ctx);
  if (!inSub.ok) return failed(inSub);
  const after = ctx.exercise(ctx.main);
  const broke = anyFails(after) && !anyFails(before);
  return {
    status: anyFails(after) || anyFails(subResults) ? 'error' : 'ok',
    failures: failuresOf(ctx, after),
    short: broke ? 'main broken' : anyFails(after) ? 'fails' : 'main works',
    cell: `main before: ${listExercised(ctx, before)}; sub: ${listExercised(ctx, subResults, before)}; ` +
      `main after the sub ended: ${listExercised(ctx, after)}`,
  };
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'first-import', question: 'What does the first import in the main interpreter give?', run: firstImport },
  { id: 'reimport', question: 'After del sys.modules[name], is the init function called again, and is it the same module?', run: reimport },
  { id: 'attributes', question: 'Does an attribute added after the first import survive a re-import?', run: attributes },
  { id: 'function-self', question: "After a re-import, which module is a module function's __self__?", run: functionSelf },
  { id: 'init-count', question: 'How often has init run after: import, re-import, import in a legacy subinterpreter, re-import there?', run: initCount },
  { id: 'legacy-after-main', question: "Imported in main, then in a legacy subinterpreter: own objects, or main's?", run: legacyAfterMain },
  { id: 'sub-first-closed', question: 'First imported in a legacy subinterpreter that is then closed: what does main get?', run: subFirstClosed },
  { id: 'sub-closed-after-main', question: 'In main and in a legacy subinterpreter that is then closed: does a re-import in main call init again?', run: subClosedAfterMain },
  { id: 'isolated-before-after', question: 'In an isolated subinterpreter, before and after main cached the module?', modernOnly: true, run: isolatedBeforeAfter },
  { id: 'legacy-and-isolated', question: 'In a fresh legacy and a fresh isolated subinterpreter, main never having imported it?', run: legacyAndIsolated },
  { id: 'dotted-reimport', question: 'Imported as staticpytest_pkg.<module>: __name__ at the first import and after a re-import?', run: dottedReimport },
  { id: 'two-names', question: 'The same extension under two names in one interpreter: init again? whose copy does a re-import get?', run: twoNames },
  { id: 'exercise-legacy', question: "Exercised in main, then in a legacy subinterpreter: its own classes, or main's?", needsExercise: true, run: exerciseLegacy },
  { id: 'exercise-sub-first-closed', question: 'Exercised first in a legacy subinterpreter that is then closed: does it still work in main?', needsExercise: true, run: exerciseSubFirstClosed },
  { id: 'exercise-after-sub-closed', question: 'Exercised in main and in a legacy subinterpreter that is then closed: does it still work in main?', needsExercise: true, run: exerciseAfterSubClosed },
];
