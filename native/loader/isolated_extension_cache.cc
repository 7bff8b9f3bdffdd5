#include "loader/isolated_extension_cache.h"

#include <cstring>
#include <vector>

#include "loader/init_func_loader.h"
#include "util/compat.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

int64_t CurrentInterpreterId() { return PyInterpreterState_GetID(compat::CurrentInterpreter()); }

std::string Utf8(PyObject* name) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(name, &size);
  return data ? std::string(data, static_cast<size_t>(size)) : std::string();
}

// The module already in sys.modules, or a new empty one put there.
PyObject* AddModule(PyObject* name) {
#if PY_VERSION_HEX >= 0x030D0000
  return PyImport_AddModuleRef(PyUnicode_AsUTF8(name));
#else
  PyObject* module = PyImport_AddModuleObject(name);  // borrowed
  Py_XINCREF(module);
  return module;
#endif
}

}  // namespace

PyObject* IsolatedExtensionCache::Find(PyObject* name, PyObject* spec) {
  (void)spec;
  const std::string key_name = Utf8(name);
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find({CurrentInterpreterId(), key_name});
    if (it == entries_.end()) return nullptr;
    entry = it->second;
    Py_XINCREF(entry.m_copy);
  }
  PyRef copy = PyRef::Steal(entry.m_copy);
  if (InitFuncLoader::CheckSinglePhaseAllowed(key_name.c_str()) < 0) return nullptr;
  PyRef module;
  if (copy) {
    module = PyRef::Steal(AddModule(name));
    PyObject* dict = module ? PyModule_GetDict(module.get()) : nullptr;
    if (dict == nullptr || PyDict_Update(dict, copy.get()) < 0) return nullptr;
  } else {
    // Re-initialisation keeps the package context, unlike CPython's m_init
    // call, so a dotted module keeps its full name.
    const char* dot = std::strrchr(key_name.c_str(), '.');
    InitKind kind;
    module = PyRef::Steal(InitFuncLoader::RunInitFunc(entry.init, key_name.c_str(), dot ? dot + 1 : key_name.c_str(),
                                                      /*non_ascii=*/false, &kind));
    if (!module) return nullptr;
    if (PyObject_SetItem(PyImport_GetModuleDict(), name, module.get()) < 0) return nullptr;
  }
  if (PyState_AddModule(module.get(), entry.def) < 0) return nullptr;
  return module.release();
}

int IsolatedExtensionCache::Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
  PyObject* copy = nullptr;
  if (def->m_size == -1 && (copy = PyDict_Copy(PyModule_GetDict(module))) == nullptr) return -1;
  PyObject* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[{CurrentInterpreterId(), Utf8(name)}];
    old = entry.m_copy;
    entry = Entry{def, copy, initfunc};
  }
  Py_XDECREF(old);  // same interpreter as the new copy: safe here
  if (PyState_AddModule(module, def) < 0) return -1;
  return PyObject_SetItem(PyImport_GetModuleDict(), name, module);
}

void IsolatedExtensionCache::ForgetCurrentInterpreter() {
  const int64_t id = CurrentInterpreterId();
  std::vector<PyObject*> drop;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->first.first == id) {
        drop.push_back(it->second.m_copy);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (PyObject* copy : drop) Py_XDECREF(copy);
}

int64_t IsolatedExtensionCache::CopyOwner(PyModuleDef* def) {
  const int64_t id = CurrentInterpreterId();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (key.first == id && entry.def == def && entry.m_copy != nullptr) return id;
  }
  return -1;
}

}  // namespace static_py
