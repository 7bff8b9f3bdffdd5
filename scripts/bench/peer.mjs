// The call-overhead peer: node-calls-python from the npm registry, installed
// into a bench-only folder under builds/bench/peers and built here against
// the same Python. It asks python3-config which Python to build against and
// load, at install and at run time, so that Python's comes first on PATH
// both times. Measured in its own process, like static-py.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PEER = 'node-calls-python@1.11.1';

/** A folder whose python3-config is the one of `python`. */
function configShim(python, dir) {
  const version = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
  const real = fs.realpathSync(python);
  const config = [path.join(path.dirname(real), `python${version}-config`), path.join(path.dirname(python), `python${version}-config`)]
    .find((c) => fs.existsSync(c));
  if (!config) throw new Error(`no python${version}-config next to ${python}, which ${PEER} needs to build`);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  // Wrappers, not symlinks: python3-config finds its prefix from its own path.
  for (const [name, target] of [['python3-config', config], ['python3', real]]) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec ${JSON.stringify(target)} "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

/** Installs the peer for `python` if needed; returns its folder. */
function install(python, benchDir, log) {
  const dir = path.join(benchDir, 'peers', python.replace(/[^\w.-]+/g, '_'));
  if (fs.existsSync(path.join(dir, 'node_modules', 'node-calls-python', 'build', 'Release', 'nodecallspython.node'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, name: 'static-py-bench-peers' }));
  const bin = configShim(python, dir);
  log(`  installing ${PEER} for ${python} into ${dir}`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', PEER], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`${PEER} could not be installed or built: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return dir;
}

/** Times the peer doing what the calls measurement does. */
export function measurePeer({ python, options, benchDir, log }) {
  const dir = install(python, benchDir, log);
  // At run time too it asks python3-config and `which python3` which libpython to load.
  const env = { ...process.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}` };
  const r = spawnSync(process.execPath, [path.join(here, 'peer-child.cjs'), dir, JSON.stringify(options)], { encoding: 'utf8', env });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('BENCH-RESULT '));
  if (r.status !== 0 || !line) throw new Error(`${PEER} failed to run: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return { name: PEER, ...JSON.parse(line.slice('BENCH-RESULT '.length)) };
}
