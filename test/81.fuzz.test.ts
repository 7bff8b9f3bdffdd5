// Seeded property tests (fast-check) on the two places that take arbitrary
// input: the static finder (module names) and the converters (values both
// ways). Bounded in runs and in time, so CI stays predictable; a failure
// prints its seed and counterexample to replay.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { python, PythonError } from '../dist/index.js';

const py = python.main;
const SEED = 20261121;
const settings = { seed: SEED, numRuns: 400, interruptAfterTimeLimit: 20_000 };
py.exec('def ident(x):\n    return x');

const component = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
const dottedName = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
const statics = new Set(python.staticModules().map((m) => m.name));
const modules = () => py.eval('len(__import__("sys").modules)') as number;

describe('fuzzing the finder', () => {
  it('imports a well-formed name that no finder knows as ModuleNotFoundError, and leaves sys.modules as it was', () => {
    // The first PythonError imports traceback and what it needs.
    assert.throws(() => py.import('zz_fuzz_warm_up'), PythonError);
    const before = modules();
    fc.assert(fc.property(dottedName, (name) => {
      const unknown = `zz_fuzz_${name}`;
      assert.throws(() => py.import(unknown), (e: unknown) => e instanceof PythonError && e.pythonType === 'ModuleNotFoundError');
    }), settings);
    assert.equal(modules(), before);
  });

  it('answers any string as a module name with a TypeError or a PythonError, never anything else', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string16bits()), (name) => {
      try {
        py.importByInitFunc(name);
      } catch (e) {
        assert.ok(e instanceof TypeError || e instanceof PythonError || (e instanceof Error && /importByInitFunc/.test(e.message)), String(e));
        return;
      }
      assert.ok(statics.has(name), `importByInitFunc('${name}') succeeded for a name not in the table`);
    }), settings);
  });

  it("answers find_spec exactly for the table's names, and its parent-package finder exactly for their parents", () => {
    const parents = new Set([...statics].flatMap((n) => n.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
    const finds = (index: number, name: string) =>
      py.eval(`__import__("sys").meta_path[${index}].find_spec(${JSON.stringify(name)}, None) is not None`) as boolean;
    const near = fc.tuple(fc.constantFrom(...statics, ...parents), fc.integer({ min: 0, max: 4 }))
      .map(([n, edit]) => [n, `${n}_`, n.slice(0, -1), n.toUpperCase(), `${n}.x`][edit]!);
    fc.assert(fc.property(fc.oneof(dottedName, near), (name) => {
      assert.equal(finds(0, name), statics.has(name), `the table's finder on '${name}'`);
      assert.equal(finds(-1, name), parents.has(name) && !statics.has(name), `the parent-package finder on '${name}'`);
    }), settings);
  });
});

// What a JS value comes back as after a trip through Python (README, Conversion).
function roundTripped(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(roundTripped);
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundTripped(x)]));
  return v;
}

const leaf = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.string(), fc.fullUnicodeString(), fc.string16bits(), fc.uint8Array({ maxLength: 64 }),
);
const value = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('dict')),
  list: fc.array(tie('tree'), { maxLength: 5 }),
  dict: fc.dictionary(fc.string(), tie('tree'), { maxKeys: 5 }),
})).tree;

describe('fuzzing the converters', () => {
  it('brings every convertible JS value back from Python as the README says', () => {
    fc.assert(fc.property(value, (v) => {
      assert.deepEqual(py.call('ident', v), roundTripped(v));
    }), settings);
  });

  it('agrees with Python about every value: repr of the JS value equals repr of its Python twin', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), fc.string16bits()), (v) => {
      const literal = typeof v === 'string' ? `${JSON.stringify(v).replace(/\\u([0-9a-fA-F]{4})/g, '\\u$1')}` : String(v);
      assert.equal(py.call('repr', v), py.eval(`repr(${literal})`));
    }), settings);
  });

  it('refuses every non-convertible value with a TypeError that says where it is', () => {
    const bad = fc.oneof(fc.constant(Symbol('s')), fc.constant(new WeakMap()), fc.date(), fc.constant(new (class Point {})()));
    fc.assert(fc.property(fc.array(fc.constant(0), { maxLength: 3 }), bad, (path, b) => {
      let wrapped: unknown = b;
      for (const _ of path) wrapped = [wrapped];
      assert.throws(() => py.call('ident', wrapped), (e: unknown) =>
        e instanceof TypeError && e.message.startsWith(`static-py: cannot convert args[0]${'[0]'.repeat(path.length)} `));
    }), settings);
    assert.equal(py.eval('6 * 7'), 42);
  });
});
