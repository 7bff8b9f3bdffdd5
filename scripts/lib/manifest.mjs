// The manifest of static extensions: where it comes from, what it may say,
// and the checks that make a bad manifest a build error naming the entries
// involved. Shared by the node-gyp and CMake builds (through build-config.json).
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './python-probe.mjs';
import { punycodeEncode } from './punycode.mjs';

const ENTRY_KEYS = new Set([
  'name', 'sources', 'crate', 'includeDirs', 'defines', 'libraries', 'cflags', 'symbol', 'requires', 'comment',
]);

/**
 * Finds the manifest the user asked for: an explicit path, else
 * STATIC_PY_EXTENSIONS, else the `staticPy.extensions` field of the
 * consuming package (the project npm was run in). Returns null when the
 * user asked for none.
 */
export function locateManifest({ explicit, env = process.env, cwd = process.cwd() } = {}) {
  if (explicit === false) return null;
  if (explicit) return { file: path.resolve(cwd, explicit), origin: '--manifest' };
  if (env.STATIC_PY_EXTENSIONS !== undefined) {
    if (env.STATIC_PY_EXTENSIONS === '') return null;
    return { file: path.resolve(env.INIT_CWD || cwd, env.STATIC_PY_EXTENSIONS), origin: 'STATIC_PY_EXTENSIONS' };
  }
  const consumer = env.INIT_CWD || cwd;
  const pkgFile = path.join(consumer, 'package.json');
  if (!fs.existsSync(pkgFile)) return null;
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  } catch (e) {
    throw new BuildError(`static-py: cannot read ${pkgFile}: ${e.message}`);
  }
  const field = pkg.staticPy?.extensions;
  if (field === undefined) return null;
  if (typeof field !== 'string') {
    throw new BuildError(`static-py: "staticPy.extensions" in ${pkgFile} must be a path to a JSON manifest.`);
  }
  return { file: path.resolve(consumer, field), origin: `"staticPy.extensions" in ${pkgFile}` };
}

/** Python's str.isidentifier(), close enough for module name components. */
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

export function moduleNameProblem(name) {
  if (typeof name !== 'string') return 'is not a string';
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.startsWith('.') || name.endsWith('.')) return 'starts or ends with a dot';
  const bad = name.split('.').find((part) => !IDENTIFIER.test(part));
  if (bad !== undefined) return bad === '' ? 'has an empty component (two dots in a row)' : `has a component that is not an identifier: '${bad}'`;
  return null;
}

/** The init symbol CPython's dynamic loader would look for. */
export function defaultInitSymbol(name) {
  const last = name.slice(name.lastIndexOf('.') + 1);
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(last)) return `PyInit_${last}`;
  return `PyInitU_${punycodeEncode(last).replace(/-/g, '_')}`;
}

function stringList(entry, key, where) {
  const value = entry[key] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new BuildError(`static-py: ${where}: "${key}" must be a list of strings.`);
  }
  return value;
}

/**
 * Reads and checks a manifest. Relative paths are relative to the manifest.
 * @param {{file: string, origin: string}} located
 * @param {{builtinNames?: string[], features?: Record<string, {ok: boolean, why?: string}>}} context
 */
export function loadManifest(located, { builtinNames = [], features = {} } = {}) {
  const { file, origin } = located;
  if (!fs.existsSync(file)) throw new BuildError(`static-py: the manifest named by ${origin} does not exist: ${file}`);
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BuildError(`static-py: the manifest ${file} is not valid JSON: ${e.message}`);
  }
  if (!doc || !Array.isArray(doc.modules)) {
    throw new BuildError(`static-py: the manifest ${file} must be an object with a "modules" list.`);
  }
  const dir = path.dirname(file);
  const modules = [];
  const skipped = [];
  const byName = new Map();
  doc.modules.forEach((entry, index) => {
    const where = `${path.basename(file)} entry ${index + 1}${typeof entry?.name === 'string' ? ` ("${entry.name}")` : ''}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BuildError(`static-py: ${where} is not an object.`);
    const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.has(k));
    if (unknown.length) {
      throw new BuildError(`static-py: ${where} has unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; ` +
        `known fields are ${[...ENTRY_KEYS].join(', ')}.`);
    }
    const problem = moduleNameProblem(entry.name);
    if (problem) throw new BuildError(`static-py: ${where}: the module name ${JSON.stringify(entry.name)} ${problem}.`);
    if (entry.crate !== undefined && typeof entry.crate !== 'string') {
      throw new BuildError(`static-py: ${where}: "crate" must be the path to a Cargo.toml.`);
    }
    // .pyx sources need cython and a crate needs cargo, said or not.
    const need = new Set(stringList(entry, 'requires', where));
    if (stringList(entry, 'sources', where).some((s) => s.endsWith('.pyx'))) need.add('cython');
    if (entry.crate !== undefined) need.add('cargo');
    const missing = [...need].filter((f) => !features[f]?.ok);
    if (missing.length) {
      // `unsupported`: left out because a framework does not support this
      // Python, not because a toolchain is missing on this machine.
      skipped.push({
        name: entry.name,
        why: missing.map((f) => `${f}: ${features[f]?.why ?? 'unknown feature'}`).join('; '),
        unsupported: missing.every((f) => features[f]?.unsupported === true),
      });
      return;
    }
    const previous = byName.get(entry.name);
    if (previous) {
      throw new BuildError(`static-py: the module "${entry.name}" is listed twice in ${file}: ${previous.where} and ${where}.`);
    }
    if (builtinNames.includes(entry.name)) {
      throw new BuildError(`static-py: ${where}: "${entry.name}" is a built-in module of this Python ` +
        `(sys.builtin_module_names), so a static extension cannot take its name.`);
    }
    const sources = stringList(entry, 'sources', where).map((s) => path.resolve(dir, s));
    const libraries = stringList(entry, 'libraries', where).map((l) => (l.startsWith('-') ? l : path.resolve(dir, l)));
    const crate = entry.crate === undefined ? null : path.resolve(dir, entry.crate);
    if (!sources.length && !crate && !libraries.some((l) => l.endsWith('.a'))) {
      throw new BuildError(`static-py: ${where} has no "sources", no "crate" and no static library in "libraries".`);
    }
    for (const s of [...sources, ...(crate ? [crate] : []), ...libraries.filter((l) => !l.startsWith('-'))]) {
      if (!fs.existsSync(s)) throw new BuildError(`static-py: ${where}: ${s} does not exist.`);
    }
    let defines = entry.defines ?? [];
    if (!Array.isArray(defines)) defines = Object.entries(defines).map(([k, v]) => (v === null || v === true ? k : `${k}=${v}`));
    const symbol = entry.symbol ?? defaultInitSymbol(entry.name);
    if (typeof symbol !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(symbol)) {
      throw new BuildError(`static-py: ${where}: "symbol" must be a C identifier, not ${JSON.stringify(symbol)}.`);
    }
    const module = {
      name: entry.name,
      where,
      symbol,
      sources,
      crate,
      // Headers of the frameworks it requires (pybind11's, when not the system's).
      includeDirs: [...stringList(entry, 'includeDirs', where).map((d) => path.resolve(dir, d)),
        ...[...need].flatMap((f) => features[f]?.includeDirs ?? [])],
      defines: defines.map(String),
      cflags: stringList(entry, 'cflags', where),
      libraries,
    };
    byName.set(entry.name, module);
    modules.push(module);
  });
  return { file, modules, skipped };
}

/**
 * Groups modules that are built from the same sources with the same flags:
 * such a group is compiled once, like CPython's one-file-many-variants test
 * modules. Symbols must differ inside a group; across groups each symbol is
 * renamed at compile time (-DPyInit_x=...) so `a.util` and `b.util` can both
 * define PyInit_util.
 */
export function groupModules(modules) {
  const groups = new Map();
  for (const m of modules) {
    const key = JSON.stringify([m.sources, m.crate, m.includeDirs, m.defines, m.cflags, m.libraries.filter((l) => l.endsWith('.a'))]);
    if (!groups.has(key)) groups.set(key, { index: groups.size, modules: [], ...m, name: undefined, symbol: undefined });
    const group = groups.get(key);
    if (group.modules.length && m.sources.some((s) => s.endsWith('.pyx'))) {
      throw new BuildError(`static-py: "${group.modules[0].name}" (${group.modules[0].where}) and "${m.name}" (${m.where}) ` +
        'are built from the same .pyx source; cython makes one module per translation, so give each its own .pyx.');
    }
    const clash = group.modules.find((other) => other.symbol === m.symbol);
    if (clash) {
      throw new BuildError(`static-py: the modules "${clash.name}" (${clash.where}) and "${m.name}" (${m.where}) are built ` +
        `from the same sources and both use the init symbol ${m.symbol}; give one of them its own "symbol".`);
    }
    group.modules.push(m);
    m.linkSymbol = `static_py_g${group.index}_${m.symbol}`;
    m.group = group.index;
  }
  return [...groups.values()];
}
