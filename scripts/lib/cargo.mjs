// "crate" entries in the manifest: a Rust crate (PyO3 here) built with cargo
// for the build's Python, as a static library linked into the addon, or as
// a shared library for CPython's own loader (the lab's dynamic form). With
// a local registry (Debian's /usr/share/cargo/registry, see features.mjs)
// cargo runs offline against it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BuildError } from './python-probe.mjs';

/** The libraries a Rust static library needs at link time on Linux (what rustc prints as native-static-libs). */
export const RUST_STATIC_LINK_LIBRARIES = ['-lgcc_s', '-lutil', '-lrt', '-lpthread', '-lm', '-ldl', '-lc'];

/**
 * Builds the crate at `cargoToml` as `crateType` ('staticlib' or 'cdylib')
 * for `python` into `targetDir`; returns the library file. Incremental:
 * cargo rebuilds only what changed.
 */
export function buildCrate({ cargoToml, crateType, targetDir, python, cargo }) {
  const args = ['rustc', '--release', '--lib', '--crate-type', crateType, '--manifest-path', cargoToml,
    '--target-dir', targetDir, '--message-format', 'json-render-diagnostics'];
  if (cargo.registry) {
    args.push('--offline', '--config', 'source.crates-io.replace-with="static-py-local"',
      '--config', `source.static-py-local.directory=${JSON.stringify(cargo.registry)}`);
  }
  const r = spawnSync(cargo.command, args, {
    encoding: 'utf8',
    cwd: path.dirname(cargoToml),
    env: { ...process.env, PYO3_PYTHON: python },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    const tail = (r.stderr || String(r.error)).trim().split('\n').slice(-30).join('\n');
    throw new BuildError(`static-py: cargo could not build ${cargoToml} (${crateType}) for ${python}:\n` +
      `${cargo.command} ${args.join(' ')}\n${tail}`);
  }
  const suffix = crateType === 'staticlib' ? '.a' : '.so';
  const artifact = r.stdout.split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((m) => m.reason === 'compiler-artifact' && m.manifest_path === path.resolve(cargoToml))
    .flatMap((m) => m.filenames)
    .find((f) => f.endsWith(suffix));
  if (!artifact) throw new BuildError(`static-py: cargo built ${cargoToml} but reported no ${suffix} library`);
  return artifact;
}
