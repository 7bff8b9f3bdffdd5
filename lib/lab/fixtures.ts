// What the lab needs of the test extensions: whether a build has them
// linked in, and their shared-library form for CPython's own loader (the
// `dynamic` loader), which the build's helpers make in another process
// (scripts/fixture.mjs), so the lab shares their code and not their insides.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { type Build, packageRoot } from '../binding.js';
import type { Variant } from './variants.js';

export const extensionsManifest = path.join(packageRoot, 'test', 'fixtures', 'ext', 'manifest.json');

interface BuildConfig {
  skipped?: { name: string; why: string }[];
  modules?: { name: string }[];
}

const configOf = (build: Build): BuildConfig =>
  JSON.parse(fs.readFileSync(path.join(build.dir, 'build-config.json'), 'utf8')) as BuildConfig;

/** The shared-library form of each of `variants` for `build`: module -> path. */
export function variantLibraries(build: Build, variants: readonly Variant[]): Record<string, string> {
  const wanted = variants.map((v) => ({ source: v.source, framework: v.framework ?? 'c', module: v.module }));
  const r = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'fixture.mjs'), build.dir, JSON.stringify(wanted)], {
    encoding: 'utf8', maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error((r.stderr || String(r.error)).trim());
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Whether `build`'s static table holds the test extensions the lab needs. */
export function hasLabModules(build: Build): boolean {
  try {
    return (configOf(build).modules ?? []).some((m) => m.name === '_staticpytest_basic');
  } catch {
    return false;
  }
}

/** null when `build` has `module`, else why it does not. */
export function whyMissing(build: Build, module: string): string | null {
  const config = configOf(build);
  if ((config.modules ?? []).some((m) => m.name === module)) return null;
  return config.skipped?.find((s) => s.name === module)?.why ?? `not in the manifest this build was made from`;
}
