#include "loader/cpython_extension_cache.h"

#include "loader/init_func_loader.h"
#include "util/compat.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

std::string Utf8(PyObject* name) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(name, &size);
  return data ? std::string(data, static_cast<size_t>(size)) : std::string();
}

int64_t CurrentInterpreterId() { return PyInterpreterState_GetID(compat::CurrentInterpreter()); }

#if PY_VERSION_HEX >= 0x030D0000
// 3.13's import_add_module(): the module already in sys.modules, or a new
// empty one put there.
PyObject* AddModule(PyObject* name) { return PyImport_AddModuleRef(PyUnicode_AsUTF8(name)); }
#endif

}  // namespace

bool CPythonExtensionCache::Lookup(const std::string& name, Entry* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  *out = it->second;
  return true;
}

PyObject* CPythonExtensionCache::Find(PyObject* name, PyObject* spec) {
  Entry entry;
  // Nothing of ours was ever cached under this name: skip CPython's lookup.
  if (!Lookup(Utf8(name), &entry)) return nullptr;
#if PY_VERSION_HEX < 0x030B0000
  (void)spec;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  PyObject* module = _PyImport_FindExtensionObject(name, name);  // borrowed
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  Py_XINCREF(module);
  return module;
#elif PY_VERSION_HEX < 0x030D0000
  PyRef imp = PyRef::Steal(PyImport_ImportModule("_imp"));
  if (!imp) return nullptr;
  PyRef module = PyRef::Steal(PyObject_CallMethod(imp.get(), "create_builtin", "O", spec));
  if (!module) return nullptr;
  // None: not (or no longer) in the cache; the caller runs the init function.
  return module.get() == Py_None ? nullptr : module.release();
#else
  (void)spec;
  PyModuleDef* def = entry.def;
  const char* name_buf = PyUnicode_AsUTF8(name);
  if (name_buf == nullptr) return nullptr;
  // It may have been imported in an interpreter that allows single-phase
  // modules and be asked for now in one that does not.
  if (InitFuncLoader::CheckSinglePhaseAllowed(name_buf) < 0) return nullptr;
  PyRef module;
  if (def->m_size == -1) {
    PyObject* m_copy = def->m_base.m_copy;
    if (m_copy == nullptr) {
      // Cleared when an interpreter that had the module ended: 3.13 drops
      // the cache entry and loads the module afresh.
      std::lock_guard<std::mutex> lock(mutex_);
      entries_.erase(Utf8(name));
      return nullptr;
    }
    Py_INCREF(m_copy);
    PyRef copy = PyRef::Steal(m_copy);
    module = PyRef::Steal(AddModule(name));
    if (!module) return nullptr;
    PyObject* dict = PyModule_GetDict(module.get());
    if (dict == nullptr || PyDict_Update(dict, copy.get()) < 0) return nullptr;
  } else {
    StaticInitFunc m_init = def->m_base.m_init;
    if (m_init == nullptr) return nullptr;
    bool non_ascii = false;
    InitKind kind;
    // 3.13 calls m_init again through _PyImport_RunModInitFunc, which sets
    // the package context (before 3.13 m_init was called bare).
    const char* dot = strrchr(name_buf, '.');
    module = PyRef::Steal(
        InitFuncLoader::RunInitFunc(m_init, name_buf, dot ? dot + 1 : name_buf, non_ascii, &kind));
    if (!module) return nullptr;
    if (PyObject_SetItem(PyImport_GetModuleDict(), name, module.get()) < 0) return nullptr;
  }
  if (PyState_AddModule(module.get(), def) < 0) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (PyMapping_DelItem(PyImport_GetModuleDict(), name) < 0) PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return nullptr;
  }
  return module.release();
#endif
}

int CPythonExtensionCache::Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
#if PY_VERSION_HEX < 0x030D0000
  // What _PyImport_LoadDynamicModuleWithSpec does for single-phase modules,
  // with the builtin-style cache key (filename = name).
  def->m_base.m_init = initfunc;
  if (_PyImport_FixupExtensionObject(module, name, name, PyImport_GetModuleDict()) < 0) return -1;
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[Utf8(name)] = Entry{def};
  if (def->m_size == -1) copies_[def] = Copy{def->m_base.m_copy, CurrentInterpreterId()};
  return 0;
#else
  // 3.13's import_run_extension() in the main interpreter: the global
  // update, then the per-interpreter one (finish_singlephase_extension).
  if (RecordFromMain(name, module, initfunc) < 0) return -1;
  if (PyState_AddModule(module, def) < 0) return -1;
  return PyObject_SetItem(PyImport_GetModuleDict(), name, module);
#endif
}

#if PY_VERSION_HEX >= 0x030D0000
// 3.13's update_global_state_for_extension(), run with the main
// interpreter active: the m_copy is made from the main interpreter's module.
int CPythonExtensionCache::RecordFromMain(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
  def->m_base.m_init = def->m_size == -1 ? nullptr : initfunc;
  if (def->m_size == -1) {
    PyObject* copy = PyDict_Copy(PyModule_GetDict(module));
    if (copy == nullptr) return -1;
    // An older copy (the module imported under another name) is dropped.
    Py_XSETREF(def->m_base.m_copy, copy);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[Utf8(name)] = Entry{def};
  if (def->m_size == -1) copies_[def] = Copy{def->m_base.m_copy, CurrentInterpreterId()};
  return 0;
}
#endif

int64_t CPythonExtensionCache::CopyOwner(PyModuleDef* def) {
  if (def->m_size != -1 || def->m_base.m_copy == nullptr) return -1;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = copies_.find(def);
  if (it == copies_.end() || it->second.dict != def->m_base.m_copy) return -2;
  return it->second.owner;
}

}  // namespace static_py
