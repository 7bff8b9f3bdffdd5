// The static extension loader: the build-time table, the C++ finder on
// sys.meta_path, package context, and importByInitFunc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { PythonError, python } from 'static-py';

import { atLeast, build, buildConfig, root, sharedLibrary, tempDir } from './helpers/build.js';

const py = python.main;
const addonFile = fs.realpathSync(build().file);
const manifest = JSON.parse(fs.readFileSync(build().info.manifest!, 'utf8')) as { modules: { name: string }[] };
const sysModules = (): string[] => (py.eval('sorted(__import__("sys").modules)') as string[]);
// Formatting tracebacks imports traceback, linecache and (for frames in
// importlib, 3.13) tokenize: do that now, so later sys.modules comparisons
// see only the loader's doing.
assert.throws(() => py.eval('1 / 0'), PythonError);
assert.throws(() => py.exec('import _staticpytest_init_null'), PythonError);

describe('the static table', () => {
  it('lists every module of the manifest with its init symbol, except those the build skipped', () => {
    const listed = python.staticModules();
    const skipped = new Set(build().info.skipped.map((s) => s.name));
    assert.deepEqual(listed.map((m) => m.name).sort(), manifest.modules.map((m) => m.name).filter((n) => !skipped.has(n)).sort());
    const byName = new Map(listed.map((m) => [m.name, m]));
    assert.equal(byName.get('staticpytest_pkg.sub')!.symbol, 'PyInit_sub');
    assert.equal(byName.get('staticpytest_pkg.naïve')!.symbol, 'PyInitU_nave_6pa');
  });

  it('learns each init kind on first import', () => {
    const kind = (name: string) => python.staticModules().find((m) => m.name === name)!.initKind;
    assert.equal(kind('_staticpytest_with_state'), 'unknown');
    py.import('_staticpytest_with_state');
    py.import('_staticpytest_multiphase_no_state');
    assert.equal(kind('_staticpytest_with_state'), 'single-phase');
    assert.equal(kind('_staticpytest_multiphase_no_state'), 'multi-phase');
  });
});

describe('the finder', () => {
  it('is a C++ type first on sys.meta_path, and a second instance ends it', () => {
    const info = py.eval(`(lambda mp: {
      "first": type(mp[0]).__module__ + "." + type(mp[0]).__qualname__,
      "last": type(mp[-1]).__qualname__,
      "native": type(mp[0].find_spec).__name__,
      "same_type": type(mp[0]) is type(mp[-1]),
    })(__import__("sys").meta_path)`);
    assert.deepEqual(info, { first: 'static_py.StaticFinder', last: 'StaticFinder', native: 'builtin_function_or_method', same_type: true });
  });

  // find_spec copies the attributes of the first spec it made instead of
  // running ModuleSpec.__init__ each time; the result must be the same.
  it('makes every spec exactly as ModuleSpec(name, finder, origin=..., is_package=...) would', () => {
    py.exec(`def same_as_init(name, package):
    import sys
    from importlib.machinery import ModuleSpec
    finder = sys.meta_path[-1] if package else sys.meta_path[0]
    a, b = finder.find_spec(name), finder.find_spec(name)
    lists_fresh = all(x is not y for x, y in zip(vars(a).values(), vars(b).values()) if type(x) is list)
    return (type(a) is ModuleSpec and lists_fresh
            and vars(a) == vars(b) == vars(ModuleSpec(name, finder, origin=a.origin, is_package=package)))`);
    const cases: [string, boolean][] = [['_staticpytest_basic', false], ['_staticpytest_with_state', false], ['staticpytest_pkg', true], ['deep.a.b', true]];
    assert.deepEqual(cases.map(([name, pkg]) => py.call('same_as_init', name, pkg)), [true, true, true, true]);
  });

  it('gives static modules a spec whose origin is the addon file that holds them', () => {
    const spec = py.eval(`(lambda s: [s.name, s.origin, s.has_location, s.submodule_search_locations, type(s.loader).__qualname__])(
      __import__("importlib.util").util.find_spec("_staticpytest_basic"))`);
    assert.deepEqual(spec, ['_staticpytest_basic', addonFile, false, null, 'StaticFinder']);
    const info = py.import('_staticpytest_basic');
    assert.deepEqual(info, { name: '_staticpytest_basic', __name__: '_staticpytest_basic', file: null, origin: addonFile, loader: 'static', isPackage: false });
  });

  it('leaves names it does not know to the next finder', () => {
    assert.equal(py.eval('__import__("sys").meta_path[0].find_spec("json", None)'), null);
    assert.equal(py.import('json').loader, 'source');
    assert.throws(() => py.import('no_such_module_anywhere'), { pythonType: 'ModuleNotFoundError' });
  });

  it('never matches a name by a prefix cut at a NUL (cf. CPython gh-150633)', () => {
    assert.equal(py.eval('__import__("sys").meta_path[0].find_spec("_staticpytest_basic\\x00tail", None)'), null);
    assert.equal(py.eval('__import__("sys").meta_path[0].find_spec("_staticpytest_basi", None)'), null);
  });

  it('provides parent packages that nothing else provides', () => {
    assert.equal(py.import('deep.a.b.c').__name__, 'deep.a.b.c');
    for (const parent of ['deep', 'deep.a', 'deep.a.b']) {
      const info = py.import(parent);
      assert.deepEqual({ loader: info.loader, isPackage: info.isPackage, origin: info.origin }, { loader: 'static-package', isPackage: true, origin: null });
    }
    assert.equal(py.eval('__import__("deep.a.b.c").a.b.c.__name__'), 'deep.a.b.c');
  });

  it('finds a static submodule under a real on-disk package', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'ondisk_pkg'));
    fs.writeFileSync(path.join(dir, 'ondisk_pkg', '__init__.py'), 'FROM_DISK = True\n');
    py.call('sys.path.insert', 0, dir);
    try {
      const child = py.import('ondisk_pkg.static_child');
      assert.deepEqual([child.__name__, child.loader], ['ondisk_pkg.static_child', 'static']);
      assert.equal(py.import('ondisk_pkg').loader, 'source');
      assert.equal(py.eval('__import__("ondisk_pkg").FROM_DISK and __import__("ondisk_pkg").static_child.exec_count()'), 1);
    } finally {
      py.call('sys.path.remove', dir);
    }
  });

  it('imports a.util and b.util, both built from a PyInit_util', () => {
    py.import('staticpytest_a.util');
    py.import('staticpytest_b.util');
    assert.deepEqual(py.eval('[__import__("sys").modules[n].WHO for n in ("staticpytest_a.util", "staticpytest_b.util")]'), ['a', 'b']);
  });
});

describe('package context', () => {
  it('names a single-phase module registered as pkg.sub, whose def says "sub", pkg.sub', () => {
    const info = py.import('staticpytest_pkg.sub');
    assert.equal(info.__name__, 'staticpytest_pkg.sub');
    assert.equal(py.eval('__import__("staticpytest_pkg.sub").sub.self_name()'), 'staticpytest_pkg.sub');
    assert.equal(py.eval('__import__("staticpytest_pkg.sub").sub.init_count.__module__'), 'staticpytest_pkg.sub');
  });

  it('names the submodules it makes from its __name__ (def_submodule) under the full name', () => {
    py.import('staticpytest_pkg.sub');
    const modules = sysModules().filter((m) => m.startsWith('staticpytest_pkg.sub.'));
    assert.deepEqual(modules, ['staticpytest_pkg.sub.child', 'staticpytest_pkg.sub.child.grandchild']);
    assert.equal(py.import('staticpytest_pkg.sub.child.grandchild').__name__, 'staticpytest_pkg.sub.child.grandchild');
  });
});

describe('names CPython 3.15 gets wrong (gh-157384)', () => {
  it('imports a multi-phase module with a non-ASCII name (PyInitU_)', () => {
    const info = py.import('staticpytest_pkg.naïve');
    assert.equal(info.__name__, 'staticpytest_pkg.naïve');
    assert.equal(py.eval('__import__("sys").modules["staticpytest_pkg.naïve"].exec_count()'), 1);
  });

  it('refuses a single-phase module with a non-ASCII name with the SystemError CPython gives', () => {
    const before = sysModules();
    assert.throws(() => py.import('staticpytest_pkg.naïve_legacy'), {
      pythonType: 'SystemError',
      // 3.8 prints a literal "*" instead of the name
      pythonMessage: `initialization of ${atLeast(3, 9) ? 'nave_legacy_edb' : '*'} did not return PyModuleDef`,
    });
    assert.deepEqual(sysModules().filter((m) => !before.includes(m)), []);
  });

  it('refuses a built-in module name with an ImportError that says why', () => {
    const lib = sharedLibrary('renamed', ['ext/renamed.c']);
    for (const name of ['sys', 'itertools']) {
      assert.throws(() => py.importByInitFunc(name, { library: lib, symbol: 'PackagePyInit_pkg_foo__bar' }), (e: PythonError) => {
        assert.equal(e.pythonType, 'ImportError');
        assert.equal(e.pythonMessage, `static-py: cannot create module '${name}' from an init function: it is a built-in module of this ` +
          'interpreter (listed in sys.builtin_module_names), which CPython always imports from its inittab');
        return true;
      });
    }
  });
});

describe('importByInitFunc', () => {
  it('imports a static module by its table entry, with package context', () => {
    py.exec('import sys\nsys.modules.pop("staticpytest_pkg.sub", None)');
    const info = py.importByInitFunc('staticpytest_pkg.sub');
    assert.deepEqual([info.__name__, info.loader], ['staticpytest_pkg.sub', 'static']);
  });

  it('finds a renamed init function with dlsym (seed 001: PackagePyInit_pkg_foo__bar)', () => {
    const lib = sharedLibrary('renamed', ['ext/renamed.c']);
    const info = py.importByInitFunc('staticpytest_pkg.foo_bar', { library: lib, symbol: 'PackagePyInit_pkg_foo__bar' });
    assert.equal(info.__name__, 'staticpytest_pkg.foo_bar');
    assert.equal(info.origin, fs.realpathSync(lib));
    assert.equal(py.eval('__import__("staticpytest_pkg.foo_bar").foo_bar.WHO'), 'renamed');
    // importing again finds it in sys.modules
    assert.equal(py.importByInitFunc('staticpytest_pkg.foo_bar', { library: lib, symbol: 'PackagePyInit_pkg_foo__bar' }).__name__, 'staticpytest_pkg.foo_bar');
    // like `import`, it needs the parent package to exist
    assert.throws(() => py.importByInitFunc('no_such_parent.foo_bar', { library: lib, symbol: 'PackagePyInit_pkg_foo__bar' }),
      { pythonType: 'ModuleNotFoundError', pythonMessage: "No module named 'no_such_parent'" });
  });

  it('explains a name with no init function, and a symbol that does not exist', () => {
    assert.throws(() => py.importByInitFunc('not_static_at_all'), {
      message: "static-py: importByInitFunc('not_static_at_all'): this build has no static extension of that name (python.staticModules() lists them); pass options.symbol to name an init function",
    });
    assert.throws(() => py.importByInitFunc('x', { symbol: 'NoSuchInitFunction' }), { message: /no symbol NoSuchInitFunction in the global scope or in this addon/ });
    assert.throws(() => py.importByInitFunc('x', { library: '/nonexistent.so', symbol: 'f' }), { message: /cannot open \/nonexistent\.so/ });
    assert.throws(() => py.importByInitFunc('x', { library: '/nonexistent.so' } as never), { message: /names a library but no symbol/ });
    assert.throws(() => py.importByInitFunc('x', { sym: 'f' } as never), { message: /unknown option 'sym'/ });
    assert.throws(() => py.importByInitFunc('x\0y'), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('broken extensions', () => {
  const cases: [string, string, string][] = [
    ['_staticpytest_init_null', 'SystemError', 'initialization of _staticpytest_init_null failed without raising an exception'],
    ['_staticpytest_init_raises', 'ValueError', 'init failed on purpose'],
    ['_staticpytest_init_unreported', 'SystemError', 'initialization of _staticpytest_init_unreported raised unreported exception'],
    ['_staticpytest_init_not_module', 'SystemError', 'initialization of _staticpytest_init_not_module did not return an extension module'],
    ['_staticpytest_init_uninitialized', 'SystemError', 'init function of _staticpytest_init_uninitialized returned uninitialized object'],
    ['_staticpytest_exec_raises', 'RuntimeError', 'exec slot failed on purpose'],
    ['_staticpytest_exec_fails_silently', 'SystemError', 'execution of module _staticpytest_exec_fails_silently failed without setting an exception'],
    ['_staticpytest_bad_slot', 'SystemError', 'module _staticpytest_bad_slot uses unknown slot ID 32767'],
  ];
  for (const [name, type, message] of cases) {
    it(`${name} fails with ${type} and leaves sys.modules as it was`, () => {
      const before = sysModules();
      assert.throws(() => py.import(name), { name: 'PythonError', pythonType: type, pythonMessage: message });
      assert.deepEqual(sysModules(), before);
      assert.equal(py.eval('40 + 2'), 42);
    });
  }

  it('chains the pending exception as the cause of "raised unreported exception" where CPython does (3.12+)', () => {
    py.exec(`
try:
    import _staticpytest_init_unreported
except SystemError as e:
    unreported_cause = type(e.__cause__).__name__ if e.__cause__ is not None else None`);
    assert.equal(py.eval('unreported_cause'), atLeast(3, 12) ? 'KeyError' : null);
  });
});

describe('the C API for embedders (include/static_py/import.h)', () => {
  it('imports by init function, and creates then executes from a spec, through ctypes', () => {
    const lib = sharedLibrary('renamed', ['ext/renamed.c']);
    py.exec(`
import ctypes, importlib.machinery
api = ctypes.PyDLL(${JSON.stringify(addonFile)})
api.StaticPy_ImportByInitFunc.restype = ctypes.py_object
api.StaticPy_ImportByInitFunc.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
api.StaticPy_CreateModuleFromInitfunc.restype = ctypes.py_object
api.StaticPy_CreateModuleFromInitfunc.argtypes = [ctypes.py_object, ctypes.c_void_p]
api.StaticPy_ExecModule.argtypes = [ctypes.py_object]
renamed = ctypes.CDLL(${JSON.stringify(lib)})
init = ctypes.cast(renamed.PackagePyInit_pkg_foo__bar, ctypes.c_void_p).value
via_api = api.StaticPy_ImportByInitFunc(b"deep.foo_bar", init)
spec = importlib.machinery.ModuleSpec("capi_other.foo_bar", None)
created = api.StaticPy_CreateModuleFromInitfunc(spec, init)
exec_status = api.StaticPy_ExecModule(created)`);
    assert.deepEqual(py.eval('[via_api.__name__, via_api.WHO, created.__name__, exec_status]'), ['deep.foo_bar', 'renamed', 'capi_other.foo_bar', 0]);
  });

  it('compiles on its own as C and as C++', () => {
    const dir = tempDir();
    const source = path.join(dir, 'embedder.c');
    fs.writeFileSync(source, '#include "static_py/import.h"\nint embedder_uses(PyObject *s, StaticPy_InitFunc f) { return StaticPy_CreateModuleFromInitfunc(s, f) != NULL; }\n');
    const includes = [`-I${path.join(root, 'native', 'include')}`, ...buildConfig().python.include_dirs.map((d) => `-I${d}`)];
    for (const [compiler, lang] of [['cc', 'c'], ['c++', 'c++']]) {
      const r = spawnSync(compiler, ['-fsyntax-only', '-Wall', '-Werror', '-x', lang, ...includes, source], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });
});
