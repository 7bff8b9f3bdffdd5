#!/usr/bin/env node
// The test extensions as shared libraries, for the lab and the tests
// (scripts/lib/fixture-libraries.mjs): the process boundary between them
// and the build's own helpers.
//
//   node scripts/fixture.mjs BUILD_DIR '[REQUEST, ...]'
//
// where a REQUEST is a test extension, {"source": "x.c", "framework": "c",
// "module": "_x"}, or any sources compiled as one, {"name": "_y",
// "sources": ["ext/y.c"], "flags": []}, or a module of a user's manifest in
// its wrapped form for the lab (scripts/lib/entry-libraries.mjs), {"entry":
// "pkg.mod", "manifest": "/abs/manifest.json"}. Prints {"<module or name>":
// "<library path>", ...} as JSON, or the failure on stderr with exit status 1.
import { entryLibrary } from './lib/entry-libraries.mjs';
import { compileFixture, variantLibrary } from './lib/fixture-libraries.mjs';
import { BuildError } from './lib/python-probe.mjs';

const [buildDir, wanted] = process.argv.slice(2);
try {
  if (!buildDir || !wanted) throw new BuildError('usage: node scripts/fixture.mjs BUILD_DIR VARIANTS_JSON');
  const out = {};
  for (const r of JSON.parse(wanted)) {
    if (r.entry) out[r.entry] = entryLibrary(buildDir, r.manifest, r.entry).library;
    else if (r.sources) out[r.name] = compileFixture(buildDir, r.name, r.sources, r.flags ?? []);
    else out[r.module] = variantLibrary(buildDir, r);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof BuildError ? e.message : e.stack}\n`);
  process.exit(1);
}
