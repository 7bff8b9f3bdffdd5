// Finds and loads the native addon built for the selected Python. Reads
// files only: no shell-outs and no changes to process.env at require time.
// Order: an explicit build tag (STATIC_PY_BUILD), the build made for the
// selected Python (python.configure({ python }) or STATIC_PY_PYTHON), then
// the default build (build/default.json). When nothing fits, one Error says
// what was looked for and how to fix it.
import fs from 'node:fs';
import path from 'node:path';

import type { PyObject } from './pyobject.js';

/** What scripts/build.mjs recorded about a build (build/<tag>/build-info.json). */
export interface BuildInfo {
  tag: string;
  link: 'shared' | 'static';
  /** What compiled it: node-gyp (binding.gyp) or cmake-js (CMakeLists.txt). */
  backend?: 'gyp' | 'cmake';
  debug: boolean;
  sanitize: boolean;
  python: {
    version: [number, number, number, string, number];
    hexversion: number;
    executable: string;
    requested: string;
    prefix: string;
    basePrefix: string;
    debug: boolean;
    libpython: string | null;
    libpythonStatic: string | null;
  };
  manifest: string | null;
  modules: number;
  skipped: { name: string; why: string }[];
  /** Optional toolchains for framework extensions: name -> version, or null where not found. */
  toolchains?: Record<string, string | null>;
  builtAt: string;
}

export interface Build {
  dir: string;
  file: string;
  info: BuildInfo;
}

/** The native module's exports (native/addon.cc). */
export interface NativeBinding {
  nativeApi?: number;
  setup(pythonError: Function, wrapHandle: (handle: NativeHandle) => PyObject): void;
  start(options: { executable: string; register: 'finder' | 'inittab' }): NativeInterpreter;
  version(): NativeVersion;
  staticModules(): { name: string; initKind: string; symbol: string }[];
  createInterpreter(config: object): NativeInterpreter;
  interpreter(id: number): NativeInterpreter;
  interpreters(): NativeInterpreter[];
  configureLoader(options: { policy?: 'cpython' | 'isolated'; packageContext?: boolean }): void;
}

export interface NativeVersion {
  major: number;
  minor: number;
  micro: number;
  releaselevel: string;
  serial: number;
  hexversion: number;
  debug: boolean;
  sharedLibrary: boolean;
  staticLibrary: boolean;
  tag: string;
  started: boolean;
}

export interface NativeInterpreter {
  readonly id: number;
  readonly isMain: boolean;
  readonly closed: boolean;
  close(): void;
  execAsync(code: string): Promise<unknown>;
  evalAsync(code: string): Promise<unknown>;
  callAsync(name: string, kwargs: object | null, ...args: unknown[]): Promise<unknown>;
  exec(code: string): void;
  eval(code: string): unknown;
  call(name: string, kwargs: object | null, ...args: unknown[]): unknown;
  import(name: string): unknown;
  importByInitFunc(name: string, symbol: string | null, library: string | null, initFrom: string | null): unknown;
  moduleState(name: string): unknown;
}

export interface NativeHandle {
  readonly released: boolean;
  repr(): string;
  str(): string;
  typeName(): string;
  getattr(name: string): unknown;
  call(kwargs: object | null, ...args: unknown[]): unknown;
  release(): void;
}

export const packageRoot = path.resolve(__dirname, '..');
const buildRoot = path.join(packageRoot, 'build');

/** Every build under build/, in tag order. */
export function listBuilds(): Build[] {
  if (!fs.existsSync(buildRoot)) return [];
  const builds: Build[] = [];
  for (const tag of fs.readdirSync(buildRoot).sort()) {
    const dir = path.join(buildRoot, tag);
    const infoFile = path.join(dir, 'build-info.json');
    const file = path.join(dir, 'static_py.node');
    if (!fs.existsSync(infoFile) || !fs.existsSync(file)) continue;
    try {
      builds.push({ dir, file, info: JSON.parse(fs.readFileSync(infoFile, 'utf8')) as BuildInfo });
    } catch {
      // A half-written build: not a candidate.
    }
  }
  return builds;
}

function describeBuild(b: Build): string {
  return `${b.info.tag} (Python ${b.info.python.version.slice(0, 3).join('.')}, ${b.info.python.executable})`;
}

/** The path a Python command resolves to, without running anything. */
function resolvePython(python: string): string {
  const candidates = python.includes('/')
    ? [path.resolve(python)]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, python));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.realpathSync(c);
    } catch {
      // try the next one
    }
  }
  return python;
}

/** The builds made for `python` (a path or a command on PATH). */
export function buildsFor(python: string, builds: Build[] = listBuilds()): Build[] {
  const real = resolvePython(python);
  return builds.filter((b) => b.info.python.executable === real || b.info.python.requested === python);
}

function noBuildError(looked: string[], builds: Build[]): Error {
  const have = builds.length ? builds.map((b) => `  - ${describeBuild(b)}`).join('\n') : '  (none: nothing has been built yet)';
  return new Error(
    `static-py: no native build fits.\nLooked for:\n${looked.map((l) => `  - ${l}`).join('\n')}\n` +
      `Builds found in ${buildRoot}:\n${have}\n` +
      'Remedies:\n' +
      '  - build for your Python: STATIC_PY_PYTHON=/path/to/python3 npm run build\n' +
      '  - or pick an existing build: STATIC_PY_BUILD=<tag> (or STATIC_PY_PYTHON=<its executable>)',
  );
}

/** STATIC_PY_LINK at run time: which of a Python's builds to load (the same variable that made it). */
function requestedLink(): 'shared' | 'static' | undefined {
  const link = process.env.STATIC_PY_LINK || undefined;
  if (link !== undefined && link !== 'shared' && link !== 'static') {
    throw new Error(`static-py: STATIC_PY_LINK must be "shared" or "static", not "${link}".`);
  }
  return link;
}

/**
 * Builds of one Python, best first: libpython linked as STATIC_PY_LINK asks
 * (shared when unset), then plain builds before debug and sanitizer ones.
 */
export function byPreference(builds: Build[]): Build[] {
  const link = requestedLink() ?? 'shared';
  const score = (b: Build) => (b.info.link === link ? 0 : 2) + (b.info.debug || b.info.sanitize ? 1 : 0);
  return [...builds].sort((a, b) => score(a) - score(b));
}

/** Chooses the build for `python` (a path or command), a tag, or the default. */
export function selectBuild(options: { python?: string | undefined; tag?: string | undefined } = {}): Build {
  const builds = listBuilds();
  const tag = options.tag ?? process.env.STATIC_PY_BUILD;
  if (tag) {
    const found = builds.find((b) => b.info.tag === tag);
    if (!found) throw noBuildError([`the build tagged '${tag}' (STATIC_PY_BUILD)`], builds);
    return found;
  }
  const python = options.python ?? process.env.STATIC_PY_PYTHON;
  if (python) {
    const link = requestedLink();
    const found = byPreference(buildsFor(python, builds).filter((b) => !link || b.info.link === link))[0];
    if (!found) {
      const real = resolvePython(python);
      const origin = options.python ? 'python.configure({ python })' : 'STATIC_PY_PYTHON';
      const linked = link ? `, with ${link} libpython (STATIC_PY_LINK=${link})` : '';
      throw noBuildError([`a build for '${python}'${real !== python ? ` (${real})` : ''}, chosen by ${origin}${linked}`], builds);
    }
    return found;
  }
  const defaultFile = path.join(buildRoot, 'default.json');
  if (fs.existsSync(defaultFile)) {
    const { tag: defaultTag } = JSON.parse(fs.readFileSync(defaultFile, 'utf8')) as { tag: string };
    const found = builds.find((b) => b.info.tag === defaultTag);
    if (found) return found;
  }
  if (builds.length === 1) return builds[0]!;
  throw noBuildError(['the default build (build/default.json, written by `npm install` / `npm run build`)'], builds);
}

/** Loads the addon file of `build`, turning a load failure into one clear Error. */
/**
 * The calling convention with the native addon (kNativeApi in
 * native/addon.cc): bumped together with it whenever either side changes.
 */
export const NATIVE_API = 2;

export function loadBuild(build: Build): NativeBinding {
  let binding: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = require(build.file) as NativeBinding;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const lib = build.info.python.libpython;
    const gone = lib && !fs.existsSync(lib) ? `\nIts libpython, ${lib}, no longer exists.` : lib ? `\nIt links ${lib}.` : '';
    throw new Error(
      `static-py: cannot load ${build.file}: ${reason}\n` +
        `It was built for Python ${build.info.python.version.slice(0, 3).join('.')} (${build.info.python.executable}).${gone}\n` +
        'Remedy: reinstall that Python, or rebuild for one you have: STATIC_PY_PYTHON=/path/to/python3 npm run build',
      { cause: e },
    );
  }
  if (binding.nativeApi !== NATIVE_API) {
    throw new Error(
      `static-py: ${build.file} was built from other sources than this package (native API ${binding.nativeApi ?? 'older than 2'}, ` +
        `this package needs ${NATIVE_API}).
Remedy: rebuild it: node scripts/build.mjs --python ${build.info.python.executable}` +
        `${build.info.tag.includes('-') ? ` (with the options it was made with: ${build.info.tag})` : ''}`,
    );
  }
  return binding;
}

/**
 * sys.executable for the embedded interpreter: the build's Python, or the
 * active virtual environment's (so CPython's own start-up finds pyvenv.cfg
 * and adds its site-packages). A venv made from another Python version is
 * an Error, not a silently broken sys.path.
 */
export function pythonExecutable(build: Build, env: NodeJS.ProcessEnv = process.env): string {
  const venv = env.VIRTUAL_ENV;
  if (!venv) return build.info.python.executable;
  const cfgFile = path.join(venv, 'pyvenv.cfg');
  if (!fs.existsSync(cfgFile)) {
    throw new Error(`static-py: VIRTUAL_ENV is set to ${venv}, but ${cfgFile} does not exist; activate a real virtual environment or unset VIRTUAL_ENV.`);
  }
  const cfg = fs.readFileSync(cfgFile, 'utf8');
  const version = /^\s*version(?:_info)?\s*=\s*(\d+)\.(\d+)/m.exec(cfg);
  const [major, minor] = build.info.python.version;
  if (version && (Number(version[1]) !== major || Number(version[2]) !== minor)) {
    throw new Error(
      `static-py: VIRTUAL_ENV (${venv}) is a Python ${version[1]}.${version[2]} environment, but this build of static-py ` +
        `(${build.info.tag}) embeds Python ${major}.${minor}. Select a matching build with ` +
        `STATIC_PY_PYTHON=${path.join(venv, 'bin', 'python')} (after building for it), or deactivate the environment.`,
    );
  }
  for (const name of ['python3', 'python']) {
    const exe = path.join(venv, 'bin', name);
    if (fs.existsSync(exe)) return exe;
  }
  throw new Error(`static-py: VIRTUAL_ENV (${venv}) has no bin/python3.`);
}
