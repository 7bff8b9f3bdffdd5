// createInterpreter() options: presets, validation, and the version rules.
// CPython 3.12+ takes a PyInterpreterConfig; before 3.12 only legacy
// interpreters (Py_NewInterpreter) exist.
import { invalidArgument, invalidValue } from './errors.js';

/** Settings of a new interpreter (CPython's PyInterpreterConfig, 3.12+). */
export interface InterpreterOptions {
  /** Start from CPython's isolated defaults or from what Py_NewInterpreter gives. */
  preset?: 'isolated' | 'legacy';
  /** Its own GIL (runs in parallel with other interpreters) or the main interpreter's. */
  gil?: 'own' | 'shared';
  /** Refuse single-phase init modules and modules not declaring subinterpreter support. */
  checkMultiInterpExtensions?: boolean;
  /** Share the main interpreter's object allocator (required for a shared GIL). */
  useMainObmalloc?: boolean;
  allowFork?: boolean;
  allowExec?: boolean;
  allowThreads?: boolean;
  allowDaemonThreads?: boolean;
}

/** What the native layer receives: every field decided. */
export interface ResolvedInterpreterOptions {
  preset: 'isolated' | 'legacy' | 'custom';
  legacy: boolean;
  gil: 'own' | 'shared';
  checkMultiInterpExtensions: boolean;
  useMainObmalloc: boolean;
  allowFork: boolean;
  allowExec: boolean;
  allowThreads: boolean;
  allowDaemonThreads: boolean;
}

type Settings = Omit<ResolvedInterpreterOptions, 'preset' | 'legacy'>;

/** CPython's _PyInterpreterConfig_INIT: what concurrent.interpreters creates. */
const ISOLATED: Settings = {
  gil: 'own', checkMultiInterpExtensions: true, useMainObmalloc: false,
  allowFork: false, allowExec: false, allowThreads: true, allowDaemonThreads: false,
};
/** CPython's _PyInterpreterConfig_LEGACY_INIT: what Py_NewInterpreter() creates. */
const LEGACY: Settings = {
  gil: 'shared', checkMultiInterpExtensions: false, useMainObmalloc: true,
  allowFork: true, allowExec: true, allowThreads: true, allowDaemonThreads: true,
};

const BOOLEAN_KEYS = ['checkMultiInterpExtensions', 'useMainObmalloc', 'allowFork', 'allowExec', 'allowThreads', 'allowDaemonThreads'] as const;
const KEYS = new Set<string>(['preset', 'gil', ...BOOLEAN_KEYS]);

/**
 * Checks `options` and fills in the rest from the preset. The default preset
 * is 'isolated' from 3.12 and 'legacy' before (the only kind there is).
 */
export function resolveInterpreterOptions(
  options: InterpreterOptions | 'isolated' | 'legacy' | undefined,
  version: { major: number; minor: number; micro: number },
): ResolvedInterpreterOptions {
  const modern = version.major > 3 || version.minor >= 12;
  const given: InterpreterOptions = typeof options === 'string' ? { preset: options } : options ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw invalidArgument('options', "an object, 'isolated' or 'legacy'", options);
  }
  for (const key of Object.keys(given)) {
    if (!KEYS.has(key)) throw invalidValue('options', `has an unknown option '${key}'; known options are ${[...KEYS].join(', ')}`, options);
  }
  if (given.preset !== undefined && given.preset !== 'isolated' && given.preset !== 'legacy') {
    throw invalidArgument('options.preset', "'isolated' or 'legacy'", given.preset);
  }
  if (given.gil !== undefined && given.gil !== 'own' && given.gil !== 'shared') {
    throw invalidArgument('options.gil', "'own' or 'shared'", given.gil);
  }
  for (const key of BOOLEAN_KEYS) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean') throw invalidArgument(`options.${key}`, 'a boolean', given[key]);
  }
  if (!modern) {
    const running = `${version.major}.${version.minor}.${version.micro}`;
    if (given.preset === 'isolated') {
      throw new Error(`static-py: the 'isolated' preset needs CPython 3.12 or newer; this is Python ${running}, where every subinterpreter is legacy (shared GIL, shared allocator)`);
    }
    const modernOnly = Object.keys(given).find((k) => k !== 'preset');
    if (modernOnly) {
      throw new Error(`static-py: the interpreter option '${modernOnly}' needs CPython 3.12 or newer; this is Python ${running}, where every subinterpreter is legacy (shared GIL, shared allocator)`);
    }
    return { preset: 'legacy', legacy: true, ...LEGACY };
  }
  const preset = given.preset ?? 'isolated';
  const overrides = Object.keys(given).some((k) => k !== 'preset');
  const settings = { ...(preset === 'isolated' ? ISOLATED : LEGACY), ...stripUndefined(given) } as Settings;
  if (settings.gil === 'own' && settings.useMainObmalloc) {
    // CPython documents the combination as invalid (PyInterpreterConfig:
    // "If this is 1 then gil must not be PyInterpreterConfig_OWN_GIL") but
    // 3.12.1 and 3.13.0 accept it; two GILs would then share one allocator.
    throw new Error("static-py: gil: 'own' cannot be combined with useMainObmalloc: true: two GILs would share one " +
      "object allocator, which CPython's PyInterpreterConfig forbids (set useMainObmalloc: false, or gil: 'shared')");
  }
  return { ...settings, preset: overrides ? 'custom' : preset, legacy: preset === 'legacy' && !overrides };
}

function stripUndefined(o: InterpreterOptions): Partial<Settings> {
  const out: Partial<Settings> = {};
  if (o.gil !== undefined) out.gil = o.gil;
  for (const key of BOOLEAN_KEYS) if (o[key] !== undefined) out[key] = o[key];
  return out;
}
