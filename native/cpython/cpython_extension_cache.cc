#include "cpython/cpython_extension_cache.h"

#include <cstring>

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "loader/cache_observer.h"
#include "loader/init_func_loader.h"
#include "runtime/fault_injection.h"
#include "util/py_ref.h"
#include "util/py_strings.h"

namespace static_py {

PyModuleDef* CPythonExtensionCache::Lookup(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : it->second;
}

PyObject* CPythonExtensionCache::Find(PyObject* name, PyObject* spec) {
  // Nothing of ours was ever cached under this name: skip CPython's lookup.
  PyModuleDef* def = Lookup(Utf8(name));
  if (def == nullptr) return nullptr;
#if PY_VERSION_HEX < 0x030B0000
  (void)spec;
  PyObject* module = static_py_find_extension(name);  // borrowed
  Py_XINCREF(module);
  return module;
#elif PY_VERSION_HEX < 0x030D0000
  (void)def;
  PyRef imp = PyRef::Steal(PyImport_ImportModule("_imp"));
  if (!imp) return nullptr;
  PyRef module = PyRef::Steal(PyObject_CallMethod(imp.get(), "create_builtin", "O", spec));
  if (!module) return nullptr;
  // None: not (or no longer) in the cache; the caller runs the init function.
  return module.get() == Py_None ? nullptr : module.release();
#else
  (void)spec;
  const char* name_buf = PyUnicode_AsUTF8(name);
  if (name_buf == nullptr) return nullptr;
  // It may have been imported in an interpreter that allows single-phase
  // modules and be asked for now in one that does not.
  if (static_py_check_singlephase_allowed(name_buf) < 0) return nullptr;
  PyRef module;
  if (def->m_size == -1) {
    // Borrowed: the copy is the main interpreter's, and an interpreter with
    // its own GIL must not write its reference count.
    PyObject* m_copy = static_py_def_copy(def);
    if (m_copy == nullptr) {
      // Cleared when an interpreter that had the module ended: CPython
      // drops the cache entry and loads the module afresh.
      std::lock_guard<std::mutex> lock(mutex_);
      defs_.erase(Utf8(name));
      return nullptr;
    }
    module = PyRef::Steal(PyImport_AddModuleRef(name_buf));
    PauseIfAsked("m_copy");  // test/32 reads the copy's reference count here
    PyObject* dict = module ? PyModule_GetDict(module.get()) : nullptr;
    if (dict == nullptr || PyDict_Update(dict, m_copy) < 0 || Register(name, module.get(), def) < 0) return nullptr;
    return module.release();
  }
  StaticInitFunc m_init = static_py_def_init(def);
  if (m_init == nullptr) return nullptr;
  InitKind kind;
  // 3.13+ call m_init again through _PyImport_RunModInitFunc, which sets
  // the package context (before 3.13 m_init was called bare).
  const char* dot = std::strrchr(name_buf, '.');
  module = PyRef::Steal(InitFuncLoader::RunInitFunc(m_init, name_buf, dot ? dot + 1 : name_buf, /*non_ascii=*/false, &kind));
  if (!module || Register(name, module.get(), def) < 0) return nullptr;
  return module.release();
#endif
}

int CPythonExtensionCache::Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
#if PY_VERSION_HEX < 0x030D0000
  // What _PyImport_LoadDynamicModuleWithSpec does for single-phase modules,
  // with the builtin-style cache key (filename = name).
  static_py_def_set_init(def, initfunc);
  if (static_py_fixup_extension(module, name) < 0) return -1;
  Remember(name, def);
  return 0;
#else
  // 3.13+'s import_run_extension() in the main interpreter: the global
  // update, then the per-interpreter one (finish_singlephase_extension).
  if (RecordFromMain(name, module, initfunc) < 0) return -1;
  return Register(name, module, def);
#endif
}

#if PY_VERSION_HEX >= 0x030D0000
// 3.13+'s update_global_state_for_extension(), run with the main
// interpreter active: the m_copy is made from the main interpreter's module.
int CPythonExtensionCache::RecordFromMain(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
  static_py_def_set_init(def, def->m_size == -1 ? nullptr : initfunc);
  if (def->m_size == -1) {
    PyObject* copy = PyDict_Copy(PyModule_GetDict(module));
    if (copy == nullptr) return -1;
    // An older copy (the module imported under another name) is dropped.
    static_py_def_set_copy(def, copy);
  }
  Remember(name, def);
  return 0;
}
#endif

void CPythonExtensionCache::Remember(PyObject* name, PyModuleDef* def) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    defs_[Utf8(name)] = def;
  }
  if (def->m_size == -1 && observer() != nullptr) {
    observer()->CopyMade(def, static_py_def_copy(def), compat::CurrentInterpreterId(), /*per_interpreter=*/false);
  }
}

}  // namespace static_py
