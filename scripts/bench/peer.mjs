// The call-overhead peers, from the npm registry, each installed into a
// bench-only folder under builds/bench/peers and built here against the same
// Python as static-py's build, then measured in a process of its own running
// the same loops (peer-child.cjs):
// - node-calls-python asks python3-config which Python to build against and
//   load, at install and at run time, so that Python's comes first on PATH.
// - pymport asks pkg-config for python3-embed at install time (its prebuilt
//   binaries bundle a Python 3.12 of their own, and are not reachable here),
//   and finds libpython through the loader at run time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function pythonVar(python, expr) {
  return spawnSync(python, ['-c', `import sys, sysconfig; print(${expr})`], { encoding: 'utf8' }).stdout.trim();
}

/** A folder whose python3-config and python3 are those of `python`. */
function configShim(python, dir) {
  const version = pythonVar(python, '"%d.%d" % sys.version_info[:2]');
  const real = fs.realpathSync(python);
  const config = [path.join(path.dirname(real), `python${version}-config`), path.join(path.dirname(python), `python${version}-config`)]
    .find((c) => fs.existsSync(c));
  if (!config) throw new Error(`no python${version}-config next to ${python}, which node-calls-python needs to build`);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  // Wrappers, not symlinks: python3-config finds its prefix from its own path.
  for (const [name, target] of [['python3-config', config], ['python3', real]]) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec ${JSON.stringify(target)} "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

const withPath = (bin) => ({ ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` });

/** What each peer needs to be installed, built and run against one Python. */
export const PEERS = [
  {
    spec: 'node-calls-python@1.11.1',
    built: 'node_modules/node-calls-python/build/Release/nodecallspython.node',
    installArgs: [],
    installEnv: (python, dir) => withPath(configShim(python, dir)),
    runEnv: (python, dir) => withPath(path.join(dir, 'bin')),
  },
  {
    spec: 'pymport@1.5.1',
    built: 'node_modules/pymport/lib/binding/linux-x64/pymport.node',
    // No downloads: build against this Python.
    installArgs: ['--build-from-source'],
    // pymport 1.5.1 compiles as C++14; node-addon-api 8.1 and later need C++17.
    overrides: { 'node-addon-api': '8.0.0' },
    installEnv: (python) => {
      const libpc = pythonVar(python, 'sysconfig.get_config_var("LIBPC") or ""');
      if (!libpc || !fs.existsSync(path.join(libpc, 'python3-embed.pc'))) throw new Error(`${python} has no python3-embed.pc, which pymport needs to build`);
      return { ...process.env, PKG_CONFIG_PATH: libpc };
    },
    runEnv: (python) => ({ ...process.env, LD_LIBRARY_PATH: pythonVar(python, 'sysconfig.get_config_var("LIBDIR")') }),
  },
];

/** Installs `peer` for `python` if needed; returns its folder. */
function install(peer, python, benchDir, log) {
  const name = peer.spec.split('@')[0];
  const dir = path.join(benchDir, 'peers', name, python.replace(/[^\w.-]+/g, '_'));
  if (fs.existsSync(path.join(dir, peer.built))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'),
    JSON.stringify({ private: true, name: 'static-py-bench-peers', ...(peer.overrides ? { overrides: peer.overrides } : {}) }));
  const env = peer.installEnv(python, dir);
  log(`  installing ${peer.spec} for ${python} into ${dir}`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', ...peer.installArgs, peer.spec], { cwd: dir, encoding: 'utf8', env });
  if (r.status !== 0 || !fs.existsSync(path.join(dir, peer.built))) {
    throw new Error(`${peer.spec} could not be installed or built: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  }
  return dir;
}

/** Times `peer` doing what the calls measurement does. */
export function measurePeer(peer, { python, options, benchDir, log }) {
  const dir = install(peer, python, benchDir, log);
  const name = peer.spec.split('@')[0];
  const r = spawnSync(process.execPath, [path.join(here, 'peer-child.cjs'), name, dir, JSON.stringify(options)],
    { encoding: 'utf8', env: peer.runEnv(python, dir) });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('BENCH-RESULT '));
  if (r.status !== 0 || !line) throw new Error(`${peer.spec} failed to run: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return { name: peer.spec, ...JSON.parse(line.slice('BENCH-RESULT '.length)) };
}
