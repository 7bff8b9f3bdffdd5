// Finds and loads the native addon built for the selected Python. Reads
// files only: no shell-outs and no changes to process.env at require time.
// Order: an explicit build tag (STATIC_PY_BUILD), the build made for the
// selected Python (python.configure({ python }) or STATIC_PY_PYTHON), then
// the default build (builds/default.json). When nothing fits, one Error says
// what was looked for and how to fix it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type InstalledPython, inspectPython, locatePython, venvOf } from './installed-python.js';
import type { PyObject } from './pyobject.js';

/** What scripts/build.mjs recorded about a build (builds/<tag>/build-info.json). */
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
  /** The manifest's SHA-256 when the build was made (lib/manifest-check.ts). */
  manifestSha256?: string;
  modules: number;
  /** A `--no-table` build (the bench's start-up baseline): this many extensions linked, none registered. */
  linkedWithoutTable?: number;
  /**
   * Manifest entries left out, with the reason; `unsupported` when the
   * framework does not support this Python (else a toolchain is missing).
   */
  skipped: { name: string; why: string; unsupported?: boolean }[];
  /** Optional toolchains for framework extensions: name -> version, or null where not found. */
  toolchains?: Record<string, string | null>;
  builtAt: string;
  /** A prebuilt addon from prebuilds/: loaded after the selected Python's libpython (preloadLibpython). */
  prebuild?: boolean;
  /** The file's SHA-256 when it was made (prebuilds): checked before loading. */
  sha256?: string;
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
  start(options: {
    executable: string;
    register: 'fast' | 'finder' | 'inittab';
    allocator?: string | undefined;
    /** pymalloc's arenas in transparent huge pages (native/runtime/huge_page_arenas.h). */
    hugePages: boolean;
    missingNames: [string, string][];
    /** Start Python on the calling thread, Node's main thread, which is then Python's main thread. */
    onMainThread: boolean;
    /** Tests only (STATIC_PY_INJECT_FAULT): where a fault is injected once Python is up. */
    faultPoint?: string | undefined;
  }): NativeInterpreter;
  version(): NativeVersion;
  /** The table's modules as columns: names and symbols NUL-separated (fixed for the process). */
  staticModules(): { count: number; names: string; symbols: string; kindNames: string[] };
  /** Each module's init kind so far, as an index into staticModules().kindNames, in the same order. */
  staticModuleKinds(): Uint8Array;
  createInterpreter(config: object): NativeInterpreter;
  interpreter(id: number): NativeInterpreter;
  interpreters(): NativeInterpreter[];
  /** What makes `name` no module name an import could produce, or null. */
  moduleNameProblem(name: string): string | null;
  configureLoader(options: { policy?: 'cpython' | 'isolated' | undefined; packageContext?: boolean | undefined }): NativeLoaderSettings;
  loaderSettings(): NativeLoaderSettings;
  /** Internal: the m_copy lab's probes (lib/lab only). */
  lab: NativeLab;
}

export interface NativeLoaderSettings {
  policy: 'cpython' | 'isolated';
  packageContext: boolean;
  /** The first static import fixed the policy. */
  policyFixed: boolean;
}

export interface NativeLab {
  observeCopies(): void;
  moduleState(interpreterId: number, name: string): unknown;
  countInits(): void;
  initCalls(): Record<string, NativeInitCalls>;
  libraryInitCalls(path: string): NativeInitCalls | null;
}

/** How often an init function ran, and the interpreter it last ran in (null: never). */
export interface NativeInitCalls {
  count: number;
  interpreter: number | null;
}

/** The CPython this process embeds. */
export interface PythonVersion {
  major: number;
  minor: number;
  micro: number;
  releaselevel: 'alpha' | 'beta' | 'candidate' | 'final';
  serial: number;
  /** `sys.hexversion`. */
  hexversion: number;
  /** A Py_DEBUG build. */
  debug: boolean;
  /** libpython is a shared library next to the addon. */
  sharedLibrary: boolean;
  /** libpython is linked into the addon itself. */
  staticLibrary: boolean;
  /** The build's tag, e.g. `'cp312'` (builds/<tag>/static_py.node). */
  tag: string;
}

/** What the addon reports: the version, and what the layout check needs. */
export interface NativeVersion extends PythonVersion {
  /** PY_VERSION of the headers the addon was compiled with. */
  compiledWith: string;
  /** The running libpython's own PY_VERSION ("3.11.2", "3.14.0rc1"). */
  release: string;
  /** The signature of CPython's private structures in those headers (native/cpython/internals.h). */
  layout: string;
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
}

export interface NativeHandle {
  readonly released: boolean;
  repr(): string;
  str(): string;
  typeName(): string;
  getattr(name: string): unknown;
  call(kwargs: object | null, ...args: unknown[]): unknown;
  /** iter(obj); an iterator is always a handle. */
  iter(): unknown;
  /** next(obj), or undefined when it is exhausted. */
  next(): unknown;
  release(): void;
}

export const packageRoot = path.resolve(__dirname, '..');
/**
 * Where static-py's builds are: builds/<tag>/. Not build/, which belongs to
 * node-gyp (its `clean` deletes it whole); scripts/lib/paths.mjs names the
 * same directory for the build scripts.
 */
export const buildRoot = path.join(packageRoot, 'builds');

/** Every build under builds/, in tag order. */
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

/**
 * The command that rebuilds static-py where this copy of it is: in an app
 * that depends on it there is no `npm run build` of ours, only
 * `npm rebuild static-py` (which runs our install script).
 */
export function rebuildCommand(python = '/path/to/python3'): string {
  const inApp = packageRoot.split(path.sep).includes('node_modules');
  return `STATIC_PY_PYTHON=${python} ${inApp ? 'npm rebuild static-py' : 'npm run build'}`;
}

/** Whether `python` names `b`'s interpreter, judged from names alone (nothing is run). */
function namesBuild(python: string, b: Build): boolean {
  if (b.info.python.requested === python || b.info.python.executable === python) return true;
  try {
    return fs.realpathSync(python.includes('/') ? python : locatePython(python, 'the command')) === b.info.python.executable;
  } catch {
    return false;
  }
}

/** The builds made for `python` (a path or a command on PATH), from names alone. */
export function buildsFor(python: string, builds: Build[] = listBuilds()): Build[] {
  return builds.filter((b) => namesBuild(python, b));
}

/**
 * The builds made for `python`, found from names, else by asking the
 * interpreter what it is (a shim, a venv's python). Throws when it is not a
 * Python static-py can use.
 */
export function buildsForPython(python: string, origin: string, builds: Build[] = listBuilds()): Build[] {
  const named = buildsFor(python, builds);
  if (named.length) return named;
  const found = inspectPython(python, origin);
  return builds.filter((b) => b.info.python.executable === found.executable);
}

const prebuildRoot = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);

/** What scripts/prebuild.mjs wrote next to each prebuilt .node. */
interface PrebuildMeta {
  python: { major: number; minor: number; abiflags: string; builtWith: string };
  napiVersion: number;
  sha256: string;
  builtAt: string;
}

/** The prebuilt addons shipped for this platform, as `[file, what it was made for]`. */
export function listPrebuilds(): [string, PrebuildMeta][] {
  if (!fs.existsSync(prebuildRoot)) return [];
  const out: [string, PrebuildMeta][] = [];
  for (const name of fs.readdirSync(prebuildRoot).sort()) {
    const file = path.join(prebuildRoot, name.replace(/\.json$/, '.node'));
    if (!name.endsWith('.json') || !fs.existsSync(file)) continue;
    try {
      out.push([file, JSON.parse(fs.readFileSync(path.join(prebuildRoot, name), 'utf8')) as PrebuildMeta]);
    } catch {
      // Not ours, or half written: not a candidate.
    }
  }
  return out;
}

/** The tag of a prebuild: `cp311-prebuild`, as `npm run prebuild` tags the build it makes it from. */
export const prebuildTag = (key: string): string => `${key}-prebuild`;

/** The prebuild for an installed Python, as a Build, or why there is none. */
function prebuildOf(found: InstalledPython): Build | string {
  const key = `cp${found.major}${found.minor}${found.abiflags}`;
  const match = listPrebuilds().find(([, meta]) =>
    meta.python.major === found.major && meta.python.minor === found.minor && meta.python.abiflags === found.abiflags);
  if (!match) return `no prebuild for ${key} in ${prebuildRoot}`;
  if (!found.libpython) return `${found.executable} (Python ${found.version}) has no shared libpython for the ${key} prebuild to use`;
  const [file, meta] = match;
  const built = meta.python.builtWith.split('.').map(Number) as [number, number, number];
  const prefix = path.dirname(path.dirname(found.executable));
  return {
    dir: prebuildRoot,
    file,
    info: {
      tag: prebuildTag(key),
      link: 'shared',
      debug: false,
      sanitize: false,
      prebuild: true,
      python: {
        version: [...built, 'final', 0],
        hexversion: 0,
        executable: found.executable,
        requested: found.requested,
        prefix,
        basePrefix: prefix,
        debug: found.abiflags === 'd',
        libpython: found.libpython,
        libpythonStatic: null,
      },
      manifest: null,
      modules: 0,
      skipped: [],
      builtAt: meta.builtAt,
      sha256: meta.sha256,
    },
  };
}

function noBuildError(looked: string[], builds: Build[], python?: string): Error {
  const have = builds.length ? builds.map((b) => `  - ${describeBuild(b)}`).join('\n') : '  (none: nothing has been built yet)';
  const prebuilds = listPrebuilds();
  const shipped = prebuilds.length
    ? prebuilds.map(([file, meta]) => `  - ${path.basename(file)} (Python ${meta.python.major}.${meta.python.minor})`).join('\n')
    : '  (none)';
  return new Error(
    `static-py: no native build fits.\nLooked for:\n${looked.map((l) => `  - ${l}`).join('\n')}\n` +
      `Builds found in ${buildRoot}:\n${have}\n` +
      `Prebuilds found in ${prebuildRoot}:\n${shipped}\n` +
      'Remedies:\n' +
      `  - build for your Python: ${rebuildCommand(python)} (needs a C/C++ toolchain)\n` +
      '  - or pick an existing build: STATIC_PY_BUILD=<tag> (or STATIC_PY_PYTHON=<its executable>)\n' +
      '  - or use a Python a prebuild is made for, with its shared libpython: STATIC_PY_PYTHON=/path/to/python3.X',
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

/** What builds/default.json records: a build's tag, or the prebuild `npm install` chose. */
interface DefaultRecord {
  tag?: string;
  prebuild?: string;
  python?: string;
  libpython?: string;
  version?: number[];
}

/** The default build's record, or null when there is none. */
export function defaultRecord(): DefaultRecord | null {
  const file = path.join(buildRoot, 'default.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DefaultRecord) : null;
}

/**
 * The build for a Python the user named (`origin` says how): one made for
 * it, found from names alone; else, the interpreter asked what it is (a
 * shim, a venv's python), one made for its binary; else a prebuild.
 */
function buildForPython(python: string, origin: string, builds: Build[]): Build {
  const link = requestedLink();
  const pick = (candidates: Build[]) => byPreference(candidates.filter((b) => !link || b.info.link === link))[0];
  const made = pick(buildsForPython(python, origin, builds));
  if (made) return made;
  const found = inspectPython(python, origin);
  const prebuild = link === 'static' ? 'prebuilds link libpython shared' : prebuildOf(found);
  if (typeof prebuild !== 'string') return prebuild;
  const linked = link ? `, with ${link} libpython (STATIC_PY_LINK=${link})` : '';
  const where = found.executable !== python ? `${found.executable}, ` : '';
  throw noBuildError([`a build for '${python}' (${where}Python ${found.version}), chosen by ${origin}${linked}`,
    `a prebuild for it: ${prebuild}`], builds, python);
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
  if (python) return buildForPython(python, options.python ? 'python.configure({ python })' : 'STATIC_PY_PYTHON', builds);
  const recorded = defaultRecord();
  if (recorded?.prebuild && recorded.python) return recordedPrebuild(recorded as Required<DefaultRecord>);
  const found = builds.find((b) => b.info.tag === recorded?.tag);
  if (found) return found;
  if (builds.length === 1) return builds[0]!;
  // Nothing recorded (installed with --ignore-scripts, say): a prebuild for python3 on PATH.
  const looked = ['the default build (builds/default.json, written by `npm install` / `npm run build`)'];
  if (!builds.length) {
    let prebuild: Build | string;
    try {
      prebuild = prebuildOf(inspectPython('python3', 'the default (python3 on PATH)'));
    } catch (e) {
      prebuild = (e as Error).message.replace(/^static-py: /, '');
    }
    if (typeof prebuild !== 'string') return prebuild;
    looked.push(`a prebuild for python3 on PATH: ${prebuild}`);
  }
  throw noBuildError(looked, builds);
}

/**
 * The prebuild `npm install` chose (scripts/build.mjs --install), checked
 * against what the recorded Python is now: it may have been replaced by
 * another version since.
 */
function recordedPrebuild(recorded: Required<DefaultRecord>): Build {
  const from = path.join(buildRoot, 'default.json');
  const file = path.join(packageRoot, recorded.prebuild);
  const was = recorded.version.slice(0, 2).join('.');
  const remedy = `Remedy: reinstall static-py for the Python you have (${rebuildCommand(recorded.python)}), or set STATIC_PY_PYTHON to a Python ${was}`;
  let now: InstalledPython;
  try {
    now = inspectPython(recorded.python, from);
  } catch (e) {
    throw new Error(`static-py: ${from} chose ${file} for Python ${was} (${recorded.python}), but: ${(e as Error).message.replace(/^static-py: /, '')}\n${remedy}`);
  }
  if (`${now.major}.${now.minor}` !== was) {
    throw new Error(`static-py: ${file} is prebuilt for Python ${was}, but ${recorded.python} is now Python ${now.version} ` +
      `(recorded in ${from}).\n${remedy}`);
  }
  const build = prebuildOf({ ...now, libpython: recorded.libpython });
  if (typeof build === 'string' || build.file !== file) {
    throw new Error(`static-py: ${from} chose ${file}, which is missing or not for Python ${was}.\n${remedy}`);
  }
  return build;
}

// dlopen's RTLD_NODELETE (glibc): Node closes a library that is not an addon
// after trying it, and libpython must stay.
const RTLD_NODELETE = 0x1000;

/**
 * Puts the selected Python's libpython in the process, global, before a
 * prebuild (which names only its soname, libpython3.X.so.1.0, and has no
 * run path) is loaded: the dynamic linker then binds the prebuild to it.
 */
function preloadLibpython(build: Build): void {
  const lib = build.info.python.libpython;
  const [major, minor] = build.info.python.version;
  const fail = (why: string) => new Error(
    `static-py: ${build.file} (prebuilt for Python ${major}.${minor}) needs ${lib ?? 'a shared libpython'}: ${why}.\n` +
      `Remedy: install Python ${major}.${minor} with a shared libpython (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared), ` +
      `or build from source for the Python you have: ${rebuildCommand()}`);
  if (!lib || !fs.existsSync(lib)) throw fail('it does not exist');
  const { RTLD_NOW, RTLD_GLOBAL } = os.constants.dlopen as { RTLD_NOW: number; RTLD_GLOBAL: number };
  try {
    process.dlopen({ exports: {} }, lib, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // The library is loaded; it is just not a Node addon, as expected.
    if (!message.includes('did not self-register')) throw fail(message);
  }
}

/**
 * The calling convention with the native addon (kNativeApi in
 * native/addon.cc): bumped together with it whenever either side changes.
 */
export const NATIVE_API = 4;

/**
 * Why `file` cannot be a whole 64-bit ELF shared object, or null. A cut-short
 * copy (an interrupted download or copy) passes dlopen's first checks and
 * then kills the process with SIGBUS when the missing pages are touched.
 */
function elfProblem(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46) return 'it is not an ELF shared object';
    if (head[4] !== 2 || head[5] !== 1) return 'it is not a 64-bit little-endian ELF file';
    const [phoff, shoff] = [Number(head.readBigUInt64LE(32)), Number(head.readBigUInt64LE(40))];
    const [phsize, phnum, shsize, shnum] = [54, 56, 58, 60].map((at) => head.readUInt16LE(at)) as [number, number, number, number];
    const short = `it is cut short (${size} bytes, less than its own headers describe)`;
    if (phoff + phsize * phnum > size || shoff + shsize * shnum > size) return short;
    const ph = Buffer.alloc(phsize * phnum);
    fs.readSync(fd, ph, 0, ph.length, phoff);
    for (let at = 0; at < ph.length; at += phsize) {
      const loadable = ph.readUInt32LE(at) === 1;  // PT_LOAD
      if (loadable && Number(ph.readBigUInt64LE(at + 8)) + Number(ph.readBigUInt64LE(at + 32)) > size) return short;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** One Error for a build that cannot be loaded: the file, what it is for, and the remedy. */
function loadError(build: Build, reason: string, cause?: unknown): Error {
  const lib = build.info.python.libpython;
  const gone = lib && !fs.existsSync(lib) ? `\nIts libpython, ${lib}, no longer exists.` : lib ? `\nIt links ${lib}.` : '';
  const [major, minor] = build.info.python.version;
  return new Error(
    `static-py: cannot load ${build.file}: ${reason}\n` +
      (build.info.prebuild
        ? `It is prebuilt for Python ${major}.${minor}, to run with ${build.info.python.executable} and ${lib}.\n` +
          `Remedy: reinstall static-py (the file may be damaged), or build from source: ${rebuildCommand()}`
        : `It was built for Python ${build.info.python.version.slice(0, 3).join('.')} (${build.info.python.executable}).${gone}\n` +
          `Remedy: reinstall that Python, or rebuild for one you have: ${rebuildCommand()}`),
    { cause },
  );
}

/** Loads the addon file of `build`, turning a load failure into one clear Error. */
export function loadBuild(build: Build): NativeBinding {
  // Only what dlopen loads needs it (a test may stand in a .js module).
  const problem = build.file.endsWith('.node') ? elfProblem(build.file) : null;
  if (problem) throw loadError(build, problem);
  if (build.info.sha256 && crypto.createHash('sha256').update(fs.readFileSync(build.file)).digest('hex') !== build.info.sha256) {
    throw loadError(build, 'it is damaged: its SHA-256 is not the one recorded when it was made');
  }
  if (build.info.prebuild) preloadLibpython(build);
  let binding: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = require(build.file) as NativeBinding;
  } catch (e) {
    throw loadError(build, e instanceof Error ? e.message : String(e), e);
  }
  if (binding.nativeApi !== NATIVE_API) {
    throw new Error(
      `static-py: ${build.file} was built from other sources than this package (native API ${binding.nativeApi ?? 'older than 2'}, ` +
        `this package needs ${NATIVE_API}).
Remedy: rebuild it: ${rebuildCommand(build.info.python.executable)}` +
        `${build.info.tag.includes('-') ? ` (with the options it was made with: ${build.info.tag})` : ''}`,
    );
  }
  return binding;
}

/**
 * sys.executable for the embedded interpreter: the build's Python, or a
 * virtual environment's python, so that CPython's own start-up finds its
 * pyvenv.cfg and its site-packages. The environment is the one whose
 * python `requested` (STATIC_PY_PYTHON or python.configure({ python }))
 * names, as CPython finds it from its executable, else the active one
 * (VIRTUAL_ENV). One made from another Python version is an Error, not a
 * silently broken sys.path.
 */
export function pythonExecutable(build: Build, requested?: string, env: NodeJS.ProcessEnv = process.env): string {
  let named: string | null = null;
  try {
    named = requested ? locatePython(requested, 'the Python') : null;
  } catch {
    // A build was found for it, so it is the build's Python under a name gone since: no venv.
  }
  const namedVenv = named ? venvOf(named) : null;
  const venv = namedVenv ?? env.VIRTUAL_ENV;
  if (!venv) return build.info.python.executable;
  const origin = namedVenv ? `${requested} (the python of ${venv})` : `VIRTUAL_ENV (${venv})`;
  const cfgFile = path.join(venv, 'pyvenv.cfg');
  if (!fs.existsSync(cfgFile)) {
    throw new Error(`static-py: VIRTUAL_ENV is set to ${venv}, but ${cfgFile} does not exist; activate a real virtual environment or unset VIRTUAL_ENV.`);
  }
  const cfg = fs.readFileSync(cfgFile, 'utf8');
  const version = /^\s*version(?:_info)?\s*=\s*(\d+)\.(\d+)/m.exec(cfg);
  const [major, minor] = build.info.python.version;
  if (version && (Number(version[1]) !== major || Number(version[2]) !== minor)) {
    throw new Error(
      `static-py: ${origin} is a Python ${version[1]}.${version[2]} environment, but this build of static-py ` +
        `(${build.info.tag}) embeds Python ${major}.${minor}. Select a matching build with ` +
        `STATIC_PY_PYTHON=${path.join(venv, 'bin', 'python')} (after building for it), or deactivate the environment.`,
    );
  }
  if (namedVenv) return named!;
  for (const name of ['python3', 'python']) {
    const exe = path.join(venv, 'bin', name);
    if (fs.existsSync(exe)) return exe;
  }
  throw new Error(`static-py: VIRTUAL_ENV (${venv}) has no bin/python3.`);
}
