// Whether a build is older than its manifest: the manifest it was made from
// changed since and lists modules the build does not have. Their imports
// then fail with a message that says so and names the command that
// rebuilds (native StaticFinder::SetMissingNames), not a bare
// ModuleNotFoundError. Only the manifest file is compared; a changed C
// source is the user's own build step to rerun.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { type BuildInfo, buildRoot, rebuildCommand } from './binding.js';

export interface StaleManifest {
  file: string;
  /** Modules the manifest lists now that the build has neither built nor left out. */
  added: string[];
  /**
   * Each added module, and each of its parent packages the build does not
   * have, with the message its import fails with.
   */
  missing: [name: string, message: string][];
}

/** The manifest's SHA-256, as scripts/build.mjs records it in build-info.json. */
const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** null when the manifest of the build `info` describes is as it was when the build was made (or it has none). */
export function staleManifest(info: BuildInfo): StaleManifest | null {
  const { manifest: file, manifestSha256: recorded } = info;
  if (!file || !recorded || !fs.existsSync(file) || sha256(file) === recorded) return null;
  let listed: string[];
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { modules?: { name?: unknown }[] };
    listed = (doc.modules ?? []).map((m) => m.name).filter((n): n is string => typeof n === 'string');
  } catch {
    listed = [];  // unreadable now: the rebuild will say why
  }
  const built = (JSON.parse(fs.readFileSync(path.join(buildRoot, info.tag, 'build-config.json'), 'utf8')) as { modules: { name: string }[] })
    .modules.map((m) => m.name);
  const known = new Set([...built, ...info.skipped.map((s) => s.name)]);
  const added = listed.filter((n) => !known.has(n));
  const prefixes = (name: string) => name.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'));
  const have = new Set(built.flatMap(prefixes));
  const missing = new Map<string, string>();
  for (const full of added) {
    for (const name of prefixes(full).filter((n) => !have.has(n) && !missing.has(n))) {
      missing.set(name, `No module named '${name}': ${file} lists '${full}', but static-py's build ${info.tag} ` +
        `was made before it did; rebuild: ${rebuildCommand(info.python.executable)}`);
    }
  }
  return { file, added, missing: [...missing] };
}
