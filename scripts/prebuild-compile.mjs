#!/usr/bin/env node
// What prebuildify runs in place of node-gyp (scripts/prebuild.mjs points
// PREBUILD_NODE_GYP here). It ignores node-gyp's arguments and builds the
// addon for STATIC_PY_PREBUILD_PYTHON the prebuild way (no static
// extensions, no run path), leaving static_py.node in build/Release/, where
// prebuildify picks it up.
import fs from 'node:fs';
import path from 'node:path';

import { buildOne } from './build.mjs';
import { buildsDir } from './lib/paths.mjs';
import { BuildError } from './lib/python-probe.mjs';

try {
  const { tag } = await buildOne({ python: process.env.STATIC_PY_PREBUILD_PYTHON, manifest: false, prebuild: true, tagSuffix: 'prebuild', quiet: true });
  // Only the copy in prebuilds/ is meant to be loaded: this one has no run path.
  fs.rmSync(path.join(buildsDir, tag), { recursive: true, force: true });
} catch (e) {
  console.error(e instanceof BuildError ? e.message : e.stack);
  process.exit(1);
}
