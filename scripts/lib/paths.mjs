// Where the package and its builds are, for every script. static-py's builds
// live in builds/<tag>/, not in build/: build/ belongs to node-gyp, whose
// `clean` (run first by `node-gyp rebuild`) deletes it whole. lib/binding.ts
// names the same directory for the loader (buildsRoot).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const buildsDir = path.join(root, 'builds');

/**
 * The command that rebuilds static-py where this copy is: `npm rebuild
 * static-py` in an app that depends on it, `npm run build` in a clone
 * (lib/binding.ts has the same rule for run-time messages).
 */
export function rebuildCommand() {
  return root.split(path.sep).includes('node_modules') ? 'npm rebuild static-py' : 'npm run build';
}
