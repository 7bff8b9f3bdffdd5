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

/**
 * The shared-library form of each of `variants` for `build`: module -> path
 * (for a user's module, the lab's init wrapper around it).
 */
export function variantLibraries(build: Build, variants: readonly Variant[]): Record<string, string> {
  const wanted = variants.map((v) => (v.manifest
    ? { entry: v.module, manifest: v.manifest }
    : { source: v.source, framework: v.framework ?? 'c', module: v.module }));
  const r = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'fixture.mjs'), build.dir, JSON.stringify(wanted)], {
    encoding: 'utf8', maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error((r.stderr || String(r.error)).trim());
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Whether `build`'s static table holds every one of `modules` (default: the test extensions the lab needs). */
export function hasLabModules(build: Build, modules: readonly string[] = ['_staticpytest_basic']): boolean {
  try {
    const has = new Set((configOf(build).modules ?? []).map((m) => m.name));
    return modules.every((m) => has.has(m));
  } catch {
    return false;
  }
}

/**
 * The module names of the user's manifest at `file`, read as the build will
 * read it (the build itself checks everything else, naming the entry).
 */
export function manifestModules(file: string): { name: string }[] {
  let doc: { modules?: unknown };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { modules?: unknown };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `static-py lab: the manifest ${file} does not exist`
      : `static-py lab: the manifest ${file} is not valid JSON: ${err.message}`);
  }
  const modules = doc?.modules;
  if (!Array.isArray(modules) || modules.some((m) => typeof (m as { name?: unknown })?.name !== 'string')) {
    throw new Error(`static-py lab: the manifest ${file} must be an object with a "modules" list of { "name": ... } entries`);
  }
  return modules as { name: string }[];
}

/** null when `build` has `module`, else why it does not. */
export function whyMissing(build: Build, module: string): string | null {
  const config = configOf(build);
  if ((config.modules ?? []).some((m) => m.name === module)) return null;
  return config.skipped?.find((s) => s.name === module)?.why ?? `not in the manifest this build was made from`;
}
