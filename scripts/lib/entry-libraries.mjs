// A user's manifest entry as an ordinary shared-library extension, for the
// lab's `dynamic` loader (CPython's own ExtensionFileLoader): compiled from
// the same sources with the same flags as its static form (a .pyx
// translated, a crate built as a cdylib), then wrapped by the lab's init
// wrapper (lab-init-wrapper.c) so init calls are counted without the
// module's cooperation. Built into builds/fixtures/<tag>/lab/<module>/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCrate } from './cargo.mjs';
import { CYTHON_CFLAGS, translatePyx } from './cython.mjs';
import { compileFixture, configOf, outDirOf } from './fixture-libraries.mjs';
import { loadManifest } from './manifest.mjs';
import { BuildError } from './python-probe.mjs';

const wrapperSource = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lab-init-wrapper.c');

/**
 * The wrapped shared-library form of `module` from `manifestFile` for the
 * build in `buildDir`: { library (what CPython imports), real }.
 */
export function entryLibrary(buildDir, manifestFile, module) {
  const config = configOf(buildDir);
  const { modules, skipped } = loadManifest({ file: manifestFile, origin: '--extensions' }, { features: config.features ?? {} });
  const entry = modules.find((m) => m.name === module);
  if (!entry) {
    const left = skipped.find((s) => s.name === module);
    throw new BuildError(left ? `static-py: ${module}: not built for this Python: ${left.why}` : `static-py: ${manifestFile} has no module "${module}"`);
  }
  const last = module.slice(module.lastIndexOf('.') + 1);
  const subdir = path.join('lab', module);
  let real;
  if (entry.crate) {
    real = buildCrate({
      cargoToml: entry.crate, crateType: 'cdylib', targetDir: path.join(outDirOf(buildDir), 'lab', 'cargo'),
      python: config.python.executable, cargo: config.features.cargo,
    });
  } else {
    const fromPyx = entry.sources.some((s) => s.endsWith('.pyx'));
    fs.mkdirSync(path.join(outDirOf(buildDir), subdir), { recursive: true });
    const sources = entry.sources.map((s) => (s.endsWith('.pyx')
      ? translatePyx({ pyx: s, moduleName: module, outC: path.join(outDirOf(buildDir), subdir, `${last}.c`), cython: config.features.cython })
      : s));
    const flags = [...entry.includeDirs.map((d) => `-I${d}`), ...entry.defines.map((d) => `-D${d}`),
      ...(fromPyx ? CYTHON_CFLAGS : []), ...entry.cflags];
    try {
      real = compileFixture(buildDir, last, sources, flags, { subdir: path.join(subdir, 'real'), libs: entry.libraries });
    } catch (e) {
      throw new BuildError(`static-py: building "${module}" (${entry.where}) as a shared library failed: ${e.message.replace(/^static-py: /, '')}`);
    }
  }
  const library = compileFixture(buildDir, last, [wrapperSource],
    [`-DSTATIC_PY_LAB_SYMBOL=${entry.symbol}`, `-DSTATIC_PY_LAB_REAL=${JSON.stringify(real)}`], { subdir, libs: ['-ldl'] });
  return { library, real };
}
