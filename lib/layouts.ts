// Whether the running libpython lays out CPython's private structures the
// way the addon was compiled to expect (native/cpython/internals.h). A
// build compiled against the running release's own headers always does; a
// prebuild made on another patch release does only where
// native/cpython/checked_layouts.json (scripts/check-layouts.mjs) says
// that release was checked and has the same layout. Anything else is
// refused before Python starts, rather than read at the wrong offsets.
import fs from 'node:fs';
import path from 'node:path';

import { packageRoot } from './binding.js';

/** Release ("3.11.2", "3.11.2d" for Py_DEBUG) -> layout signature, per minor version. */
export interface CheckedLayouts {
  layouts: Record<string, string>;
}

export const checkedLayoutsFile = path.join(packageRoot, 'native', 'cpython', 'checked_layouts.json');

export function readCheckedLayouts(file = checkedLayoutsFile): CheckedLayouts {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CheckedLayouts;
  } catch {
    return { layouts: {} };
  }
}

/** The key of a release in the table. */
export const releaseKey = (release: string, debug: boolean): string => `${release}${debug ? 'd' : ''}`;

/**
 * null when the addon may use its compiled-in layout with the running
 * libpython, else why not (one sentence, for an Error).
 */
export function layoutProblem(
  version: { compiledWith: string; release: string; layout: string; debug: boolean },
  table?: CheckedLayouts,
): string | null {
  if (version.release === version.compiledWith) return null;
  const checked = table ?? readCheckedLayouts();
  const running = checked.layouts[releaseKey(version.release, version.debug)];
  const known = Object.entries(checked.layouts).filter(([, signature]) => signature === version.layout).map(([release]) => release);
  const same = known.length ? ` (checked to share it: ${known.join(', ')})` : '';
  if (running === undefined) {
    return `it was compiled against CPython ${version.compiledWith}'s private structures${same}, and this process runs ` +
      `CPython ${version.release}, whose layout static-py has not checked`;
  }
  if (running !== version.layout) {
    return `it was compiled against CPython ${version.compiledWith}'s private structures, and CPython ${version.release}, ` +
      'which this process runs, lays them out differently';
  }
  return null;
}
