// Same behaviour as CPython's own dynamic loader: every test extension is
// also built as an ordinary shared library, and the two forms are imported
// in separate processes and observed the same way (test/fixtures/differential.py).
// Any difference is a bug, unless it is listed below as deliberate.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { variantLibrary } from '../dist/lab/fixtures.js';
import { VARIANTS } from '../dist/lab/variants.js';
import { build, fixturesDir, root, sharedLibrary } from './helpers/build.js';
import { childJson } from './helpers/child.js';

interface Entry { name: string; sources?: string[]; defines?: Record<string, string> }
type Observation = Record<string, unknown>;

const manifest = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'ext', 'manifest.json'), 'utf8')) as { modules: Entry[] };
// Every test extension this build has (the framework ones need their
// toolchains); ondisk_pkg.static_child needs an on-disk parent.
const built = new Set((JSON.parse(fs.readFileSync(path.join(build().dir, 'build-config.json'), 'utf8')) as { modules: { name: string }[] })
  .modules.map((m) => m.name));
const entries = manifest.modules.filter((m) => built.has(m.name) && !m.name.startsWith('ondisk_pkg.'));
const names = entries.map((m) => m.name);

/** name -> shared library holding its init function (one per source set and defines; frameworks as the lab builds them). */
async function libraries(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of entries) {
    const framework = VARIANTS.find((v) => v.framework && v.module === m.name);
    if (framework) {
      out[m.name] = await variantLibrary(build(), framework);
      continue;
    }
    const sources = m.sources ?? [];
    const defines = Object.entries(m.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
    const label = `${sources.map((s) => path.basename(s, '.c')).join('_')}${defines.length ? `_${m.name.replace(/\W/g, '_')}` : ''}`;
    out[m.name] = sharedLibrary(label, sources.map((s) => `ext/${s}`), defines);
  }
  return out;
}

function observe(mode: 'static' | 'dynamic', libs: Record<string, string>): Promise<Record<string, Observation>> {
  return childJson(`
    const { python } = require('static-py');
    const py = python.main;
    py.call('sys.path.insert', 0, ${JSON.stringify(fixturesDir)});
    py.exec('import differential');
    if (${JSON.stringify(mode)} === 'dynamic') {
      py.exec(require(${JSON.stringify(path.join(root, 'dist', 'lab', 'probe.js'))}).DYNAMIC_FINDER);
      py.call('lab_install_dynamic', ${JSON.stringify(libs)});
    }
    console.log(JSON.stringify(py.call('differential.observe_all', ${JSON.stringify(names)})));`);
}

// Deliberate differences: a static module's spec has no file location
// (origin is the addon, has_location False), so it gets no __file__.
function withoutDeliberate(o: Observation): Observation {
  const strip = (d: unknown) => (d && typeof d === 'object' ? { ...(d as object), 'has __file__': undefined } : d);
  return { ...o, first: strip(o.first), second: strip(o.second) };
}

describe('the static loader against CPython\'s own extension loader', () => {
  let staticSide: Record<string, Observation>;
  let dynamicSide: Record<string, Observation>;

  before(async () => {
    const libs = await libraries();
    [staticSide, dynamicSide] = await Promise.all([observe('static', libs), observe('dynamic', libs)]);
  });

  for (const name of names) {
    it(`${name}: __name__, spec, init calls, identity and attributes on re-import, PyModule_GetDef all match`, () => {
      assert.deepEqual(withoutDeliberate(staticSide[name]!), withoutDeliberate(dynamicSide[name]!));
    });
  }

  it('differs only as documented: a static module has no __file__, a dynamic one does', () => {
    const first = (side: Record<string, Observation>, n: string) => side[n]!.first as Observation;
    assert.equal(first(staticSide, '_staticpytest_basic')['has __file__'], false);
    assert.equal(first(dynamicSide, '_staticpytest_basic')['has __file__'], true);
    assert.equal(first(staticSide, '_staticpytest_multiphase')['has __file__'], false);
  });

  it('observed the behaviours that matter (the comparison is not vacuous)', () => {
    const basic = staticSide._staticpytest_basic!;
    assert.deepEqual([(basic.first as Observation).init_count, (basic.second as Observation).init_count], [1, 1]);
    assert.equal(basic['attribute added later survives'], false);
    assert.equal(basic['function __self__ is the first module'], true);
    const reinit = staticSide._staticpytest_with_reinit!;
    assert.deepEqual([(reinit.first as Observation).init_count, (reinit.second as Observation).init_count], [1, 2]);
    assert.deepEqual((staticSide['staticpytest_pkg.sub']!.first as Observation).__name__, 'staticpytest_pkg.sub');
    assert.ok(Array.isArray(staticSide._staticpytest_init_null!.error));
  });
});
