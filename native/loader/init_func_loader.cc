#include "loader/init_func_loader.h"

#include <cstring>

#include <string_view>

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "errors/py_boundary.h"
#include "include/static_py/import.h"
#include "loader/extension_cache.h"
#include "loader/module_names.h"
#include "loader/package_context.h"
#include "loader/static_finder.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

// The last component of `name`, encoded the way CPython's dynamic loader
// encodes it for PyInit_/PyInitU_ and for its error messages: ASCII, or
// Punycode with '-' replaced by '_'. A bytes object.
PyRef EncodedShortName(PyObject* name, bool* non_ascii) {
  *non_ascii = false;
  Py_ssize_t len = PyUnicode_GetLength(name);
  Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, len, -1);
  if (dot == -2) return PyRef();
  PyRef last = dot == -1 ? PyRef::Borrow(name) : PyRef::Steal(PyUnicode_Substring(name, dot + 1, len));
  if (!last) return PyRef();
  PyRef encoded = PyRef::Steal(PyUnicode_AsEncodedString(last.get(), "ascii", nullptr));
  if (encoded) return encoded;
  if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return PyRef();
  PyErr_Clear();
  *non_ascii = true;
  encoded = PyRef::Steal(PyUnicode_AsEncodedString(last.get(), "punycode", nullptr));
  if (!encoded) return PyRef();
  return PyRef::Steal(PyObject_CallMethod(encoded.get(), "replace", "cc", '-', '_'));
}

// A clear ValueError for names no import could have produced (cf. CPython
// gh-150633, where a NUL truncated the inittab lookup).
int CheckModuleName(PyObject* name) {
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(name, &size);  // its error stays: a str without UTF-8 is bad input too
  if (utf8 == nullptr) return -1;
  const char* problem = ModuleNameProblem(std::string_view(utf8, static_cast<size_t>(size)));
  if (problem == nullptr) return 0;
  PyErr_Format(PyExc_ValueError, "static-py: the module name %R %s", name, problem);
  return -1;
}

// CPython's inittab wins over any finder for these names, and 3.15's
// PyImport_CreateModuleFromInitfunc handles them inconsistently
// (gh-157384): refuse them outright.
int RefuseBuiltinName(PyObject* name) {
  PyObject* builtins = PySys_GetObject("builtin_module_names");  // borrowed
  if (builtins == nullptr) return 0;
  int found = PySequence_Contains(builtins, name);
  if (found <= 0) return found;
  PyRef msg = PyRef::Steal(PyUnicode_FromFormat(
      "static-py: cannot create module %R from an init function: it is a built-in module of this interpreter "
      "(listed in sys.builtin_module_names), which CPython always imports from its inittab",
      name));
  if (msg) PyErr_SetImportError(msg.get(), name, nullptr);
  return -1;
}

#if PY_VERSION_HEX >= 0x030C0000
PyObject* ModuleName(PyObject* module) {
  PyObject* dict = PyModule_GetDict(module);  // borrowed
  return dict ? PyDict_GetItemString(dict, "__name__") : nullptr;
}
#endif

}  // namespace

int InitFuncLoader::CheckName(PyObject* name) {
  return CheckModuleName(name) < 0 || RefuseBuiltinName(name) < 0 ? -1 : 0;
}

PyObject* InitFuncLoader::RunInitFunc(StaticInitFunc initfunc, const char* fullname, const char* short_name,
                                      bool non_ascii, InitKind* kind) {
  *kind = InitKind::kUnknown;
  bool consumed = false;
  PyObject* m = fullname != nullptr ? PackageContext::CallInit(fullname, initfunc, &consumed) : initfunc();
  if (m == nullptr) {
    if (!PyErr_Occurred()) {
      PyErr_Format(PyExc_SystemError, "initialization of %s failed without raising an exception", short_name);
    }
    return nullptr;
  }
  if (PyErr_Occurred()) {
    static_py_raise_unreported(short_name);
    // CPython leaks `m` here; we do not.
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    Py_DECREF(m);
    PyErr_Restore(type, value, tb);
    return nullptr;
  }
  if (Py_TYPE(m) == nullptr) {
    // A PyModuleDef returned without PyModuleDef_Init(): not an object at all.
    PyErr_Format(PyExc_SystemError, "init function of %s returned uninitialized object", short_name);
    return nullptr;
  }
  if (PyObject_TypeCheck(m, &PyModuleDef_Type)) {
    // PyModuleDef_Init() hands out the static def without a new reference.
    *kind = InitKind::kMultiPhase;
    return m;
  }
  PyRef module = PyRef::Steal(m);
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
  if (static_py_check_singlephase_allowed(short_name) < 0) return nullptr;
#endif
  if (non_ascii) {
#if PY_VERSION_HEX < 0x03090000
    // 3.8 prints a literal "*" where the name belongs (3.9 fixed it);
    // reproduced as CPython prints it.
    (void)short_name;
    PyErr_SetString(PyExc_SystemError, "initialization of * did not return PyModuleDef");
#else
    PyErr_Format(PyExc_SystemError, "initialization of %s did not return PyModuleDef", short_name);
#endif
    return nullptr;
  }
#if PY_VERSION_HEX >= 0x030D0000
  if (!PyModule_Check(m)) {
    PyErr_Format(PyExc_SystemError, "initialization of %s did not return an extension module", short_name);
    return nullptr;
  }
  if (PyModule_GetDef(m) == nullptr) {
    PyErr_Clear();
    PyErr_Format(PyExc_SystemError, "initialization of %s did not return a valid extension module", short_name);
    return nullptr;
  }
#else
  if (PyModule_GetDef(m) == nullptr) {
    PyErr_Format(PyExc_SystemError, "initialization of %s did not return an extension module", short_name);
    return nullptr;
  }
#endif
#if PY_VERSION_HEX >= 0x030C0000
  // 3.12+: init functions outside the addon do not reach our
  // PyModule_Create2 wrapper (package_context.h); name their module here.
  if (fullname != nullptr && !consumed && PackageContext::enabled() && std::strchr(fullname, '.') != nullptr) {
    PyObject* current = ModuleName(m);
    if (current != nullptr && PyUnicode_Check(current) && PyUnicode_CompareWithASCIIString(current, short_name) == 0) {
      PyRef full = PyRef::Steal(PyUnicode_FromString(fullname));
      if (!full || static_py_rename_new_module(m, full.get()) < 0) return nullptr;
    }
  }
#endif
  *kind = InitKind::kSinglePhase;
  return module.release();
}

PyObject* InitFuncLoader::CreateModule(PyObject* spec, StaticInitFunc initfunc, InitKind* kind_out,
                                       const StaticModuleEntry* entry) {
  InitKind local_kind;
  InitKind* kind = kind_out != nullptr ? kind_out : &local_kind;
  *kind = InitKind::kUnknown;
  PyRef name = PyRef::Steal(PyObject_GetAttrString(spec, "name"));
  if (!name) return nullptr;
  if (!PyUnicode_Check(name.get())) {
    PyErr_Format(PyExc_TypeError, "static-py: spec.name must be a str, not %.200s", Py_TYPE(name.get())->tp_name);
    return nullptr;
  }
  // A table entry's name was checked when the build was made: the manifest
  // refuses malformed names and the built-in names of this build's Python
  // (scripts/lib/manifest.mjs). Scanning sys.builtin_module_names again
  // would cost every static import a hundred-odd ns.
  if (entry == nullptr && CheckName(name.get()) < 0) return nullptr;

  ExtensionCache& cache = ExtensionCache::Active();
  // What is created without an entry (the C API) may be cached under any
  // name, a table's name included: from then on every lookup is made.
  if (entry == nullptr) StaticTable::NoteCachedWithoutEntry();
  const bool cached = entry == nullptr || StaticTable::GetInitKind(entry) == InitKind::kSinglePhase ||
                      StaticTable::CachedWithoutEntry();
  if (PyObject* module = cached ? cache.Find(name.get(), spec) : nullptr) {
    *kind = InitKind::kSinglePhase;
    return module;
  }
  if (PyErr_Occurred()) return nullptr;

  PyRef origin = PyRef::Steal(PyObject_GetAttrString(spec, "origin"));
  if (!origin) {
    PyErr_Clear();
    origin = PyRef::Borrow(Py_None);
  }
  if (PySys_Audit("import", "OOOOO", name.get(), origin.get(), Py_None, Py_None, Py_None) < 0) return nullptr;

  bool non_ascii = false;
  PyRef short_name = EncodedShortName(name.get(), &non_ascii);
  if (!short_name) return nullptr;
  const char* fullname = PyUnicode_AsUTF8(name.get());
  if (fullname == nullptr) return nullptr;
  if (cache.InitRunsInMain() && compat::CurrentInterpreter() != PyInterpreterState_Main()) {
    return CreateInMainThenReload(spec, name.get(), initfunc, fullname, PyBytes_AS_STRING(short_name.get()), non_ascii, kind);
  }
  PyObject* result = RunInitFunc(initfunc, fullname, PyBytes_AS_STRING(short_name.get()), non_ascii, kind);
  if (result == nullptr) return nullptr;
  if (*kind == InitKind::kMultiPhase) {
    return PyModule_FromDefAndSpec(reinterpret_cast<PyModuleDef*>(result), spec);
  }
  PyRef module = PyRef::Steal(result);
#if PY_VERSION_HEX >= 0x030D0000
  if (static_py_check_singlephase_allowed(PyBytes_AS_STRING(short_name.get())) < 0) return nullptr;
#endif
  if (cache.Store(name.get(), module.get(), initfunc) < 0) return nullptr;
  return module.release();
}

// CPython 3.13+'s import_run_extension() from a subinterpreter: the init
// function runs with the main interpreter active (on a thread state made
// for the purpose), the result is recorded there, and the importing
// interpreter then gets the module made from that record.
PyObject* InitFuncLoader::CreateInMainThenReload(PyObject* spec, PyObject* name, StaticInitFunc initfunc,
                                                 const char* fullname, const char* short_name, bool non_ascii,
                                                 InitKind* kind) {
  ExtensionCache& cache = ExtensionCache::Active();
  PyThreadState* caller = PyThreadState_Get();
  PyThreadState* main = PyThreadState_New(PyInterpreterState_Main());
  if (main == nullptr) return PyErr_NoMemory();
  PyThreadState_Swap(main);
  PyObject* result = RunInitFunc(initfunc, fullname, short_name, non_ascii, kind);
  PyModuleDef* def = nullptr;
  if (result != nullptr && *kind == InitKind::kSinglePhase) {
    def = PyModule_GetDef(result);
    if (cache.RecordFromMain(name, result, initfunc) < 0) def = nullptr;
    Py_DECREF(result);  // the main interpreter's module is not kept
  } else if (result != nullptr) {
    def = reinterpret_cast<PyModuleDef*>(result);
  }
  // A failure in main: 3.14 (gh-144601) prints the main interpreter's
  // exception as unraisable there and gives the caller an ImportError of its
  // own. 3.13.0 hands the exception object itself to the caller, which is
  // harmless where the caller shares main's allocator (legacy interpreters)
  // and corrupts the heap where it has its own: CPython 3.13.0's loader
  // crashes there, static-py does what 3.14 does instead.
#if PY_VERSION_HEX >= 0x030E0000
  const bool own_exception = true;
#else
  const bool own_exception = static_py_interp_owns_obmalloc(compat::InterpreterOf(caller)) != 0;
#endif
  const bool failed = def == nullptr;
#if PY_VERSION_HEX >= 0x030D0000  // only 3.13+ run init in main (InitRunsInMain)
  if (failed && own_exception) PyErr_FormatUnraisable("Exception while importing from subinterpreter");
#endif
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);  // none left when it went to unraisable
  PyThreadState_Clear(main);
  PyThreadState_Swap(caller);
  PyThreadState_Delete(main);
  PyErr_Restore(type, value, tb);
  if (failed && own_exception) {
    PyErr_SetString(PyExc_ImportError, "failed to import from subinterpreter due to exception");
  }
  if (failed) return nullptr;
  if (*kind == InitKind::kMultiPhase) return PyModule_FromDefAndSpec(def, spec);
  if (static_py_check_singlephase_allowed(short_name) < 0) return nullptr;
  PyObject* module = cache.Find(name, spec);
  if (module == nullptr && !PyErr_Occurred()) {
    PyErr_Format(PyExc_SystemError, "static-py: %s was initialised in the main interpreter but is not in the cache", fullname);
  }
  return module;
}

int InitFuncLoader::ExecModule(PyObject* module) {
  if (!PyModule_Check(module)) return 0;
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return 0;
  // A state pointer marks a module whose exec slots already ran (and a
  // single-phase module with m_size > 0): a reload does nothing.
  if (PyModule_GetState(module) != nullptr) return 0;
  return PyModule_ExecDef(module, def);
}

}  // namespace static_py

// The C API (include/static_py/import.h) --------------------------------------

extern "C" PyObject* StaticPy_CreateModuleFromInitfunc(PyObject* spec, StaticPy_InitFunc initfunc) {
  return static_py::PyBoundary::Object("StaticPy_CreateModuleFromInitfunc",
                                       [&] { return static_py::InitFuncLoader::CreateModule(spec, initfunc); });
}

extern "C" int StaticPy_ExecModule(PyObject* module) {
  return static_py::PyBoundary::Status("StaticPy_ExecModule", [&] { return static_py::InitFuncLoader::ExecModule(module); });
}

extern "C" PyObject* StaticPy_ImportByInitFunc(const char* fullname, StaticPy_InitFunc initfunc) {
  return static_py::PyBoundary::Object("StaticPy_ImportByInitFunc", [&]() -> PyObject* {
    static_py::PyRef name = static_py::PyRef::Steal(PyUnicode_FromString(fullname));
    return name ? static_py::StaticFinder::ImportWithInitFunc(name.get(), initfunc, nullptr) : nullptr;
  });
}
