// The lab's answer for a user's module, per build, in plain words: a few
// sentences read off the matrix, each naming the cells that back it. The
// module's own behaviour is read from CPython's own loader (`dynamic`)
// when it ran, else from static-py's `cpython` loader, which reproduces it;
// static-py's `isolated` loader, when it ran, gets a sentence of its own.
import type { LoaderName } from './context.js';
import type { LabResult } from './runner.js';

/** One sentence and the cells (scenario · loader) it is read from. */
export interface VerdictSentence {
  text: string;
  cells: string[];
}

export interface Verdict {
  build: string;
  version: string;
  variant: string;
  /** Nothing shared, refused, failed, crashed or hung in any cell read (a re-import's new module is no fault). */
  safe: boolean;
  /** The sentences joined: what the README and the terminal show. */
  summary: string;
  sentences: VerdictSentence[];
}

const END_SCENARIOS = ['sub-first-closed', 'sub-closed-after-main', 'exercise-sub-first-closed', 'exercise-after-sub-closed'];
/** Which end an end scenario is about, as a verdict says it. */
const whenOf = (scenario: string) =>
  (scenario.includes('sub-first') ? 'after a subinterpreter that imported it first ended' : "after a subinterpreter's end");

function verdictFor(results: LabResult[], build: string, variant: string, loaders: readonly LoaderName[]): Verdict | null {
  const loader: LoaderName | undefined = loaders.includes('dynamic') ? 'dynamic' : loaders.includes('cpython') ? 'cpython' : loaders[0];
  const mine = results.filter((r) => r.build === build && r.variant === variant);
  if (!loader || !mine.length) return null;
  const get = (scenario: string, from: LoaderName = loader) => mine.find((r) => r.scenario === scenario && r.loader === from);
  const cell = (r: LabResult) => `${r.scenario} · ${r.loader}`;
  const sentences: VerdictSentence[] = [];
  const say = (text: string, ...rs: (LabResult | undefined)[]) => sentences.push({ text, cells: rs.filter((r): r is LabResult => !!r).map(cell) });
  let safe = true;

  const died = mine.filter((r) => r.loader === loader && (r.status === 'crash' || r.status === 'timeout'));
  for (const r of died) {
    safe = false;
    say(r.status === 'crash' ? `crashes the process (${r.signal ?? 'signal'}) in ${r.scenario}` : `hangs in ${r.scenario}`, r);
  }
  const kind = get('first-import')?.initKind;
  const isolated = get('isolated-before-after');
  if (isolated?.status === 'n/a') say('no isolated interpreters before 3.12', isolated);
  else if (isolated?.status === 'refused') {
    safe = false;
    say(`refused by isolated interpreters${kind ? ` (${kind})` : ''}`, isolated);
  } else if (isolated?.status === 'ok') say('imports in isolated interpreters', isolated);
  else if (isolated) {
    safe = false;
    say(`in isolated interpreters: ${isolated.cell}`, isolated);
  }
  const legacy = get('legacy-after-main');
  if (legacy?.status === 'shared') {
    safe = false;
    say("in legacy interpreters it hands out main's objects (m_copy)", legacy);
  } else if (legacy?.status === 'ok') say('legacy interpreters get objects of their own', legacy);
  else if (legacy && legacy.status !== 'crash' && legacy.status !== 'timeout') {
    safe = false;
    say(`in a legacy interpreter: ${legacy.cell}`, legacy);
  }
  const exercised = get('exercise-legacy');
  if (exercised?.status === 'shared') {
    safe = false;
    say("what it returns in a legacy interpreter is made of main's classes", exercised);
  } else if (exercised?.status === 'error') {
    safe = false;
    say(`exercised in a legacy interpreter: ${exercised.cell}`, exercised);
  }
  const attributes = get('attributes');
  if (attributes?.status === 'ok') {
    // What any re-import does (a new module object): said, not held against it.
    const lost = /lost/.test(attributes.cell);
    say(`a re-import ${lost ? 'loses' : 'keeps'} attributes added after import`, attributes);
  }
  const ends = END_SCENARIOS.map((s) => get(s)).filter((r): r is LabResult => !!r && r.status !== 'n/a');
  const broken = ends.filter((r) => r.status !== 'ok');
  if (ends.length && !broken.length) say("survives a subinterpreter's end", ...ends);
  for (const r of broken) {
    if (r.status === 'crash' || r.status === 'timeout') continue;  // said above
    safe = false;
    say(r.failures?.length ? `${whenOf(r.scenario)}, in main: ${r.failures.join('; ')}` : `${whenOf(r.scenario)} (${r.scenario}): ${r.cell}`, r);
  }
  if (loaders.includes('isolated') && loader !== 'isolated') {
    const own = get('legacy-after-main', 'isolated');
    const values = get('exercise-legacy', 'isolated');
    if (own && values?.status === 'shared') {
      say("with static-py's isolated loader, legacy interpreters get a module of their own, but what it returns is still made of main's classes (state in C statics)", own, values);
    } else if (own?.status === 'ok' && legacy?.status === 'shared') {
      say("static-py's isolated loader gives each legacy interpreter objects of its own", own, ...(values ? [values] : []));
    }
    for (const r of END_SCENARIOS.map((s) => get(s, 'isolated'))) {
      if (!r?.failures?.length || get(r.scenario)?.status !== 'ok') continue;
      say(`with static-py's isolated loader, ${whenOf(r.scenario)}, in main: ${r.failures.join('; ')}`, r);
    }
  }
  const version = mine[0]!.version;
  const text = sentences.map((s) => s.text).join('; ');
  return { build, version, variant, safe, sentences, summary: `${version}: ${safe ? 'safe in subinterpreters: ' : ''}${text}` };
}

/** A verdict per build and per user's module (variants from a manifest) of the results. */
export function verdicts(results: LabResult[], variants: readonly { id: string; manifest?: string }[], loaders: readonly LoaderName[]): Verdict[] {
  const builds = [...new Set(results.map((r) => r.build))];
  return variants.filter((v) => v.manifest).flatMap((v) => builds.map((b) => verdictFor(results, b, v.id, loaders)))
    .filter((v): v is Verdict => v !== null);
}
