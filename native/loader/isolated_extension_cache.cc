#include "loader/isolated_extension_cache.h"

#include <cstring>
#include <vector>

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "loader/cache_observer.h"
#include "loader/init_func_loader.h"
#include "util/py_ref.h"
#include "util/py_strings.h"

namespace static_py {

PyObject* IsolatedExtensionCache::Find(PyObject* name, PyObject* spec) {
  (void)spec;
  const std::string key_name = Utf8(name);
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find({compat::CurrentInterpreterId(), key_name});
    if (it == entries_.end()) return nullptr;
    entry = it->second;
  }
  // The copy is this interpreter's own, so taking a reference is safe.
  PyRef copy = PyRef::Borrow(entry.m_copy);
  if (static_py_check_singlephase_allowed(key_name.c_str()) < 0) return nullptr;
  PyRef module;
  if (copy) {
    module = PyRef::Steal(PyModule_NewObject(name));
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
  }
  if (Register(name, module.get(), entry.def) < 0) return nullptr;
  return module.release();
}

int IsolatedExtensionCache::Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) return -1;
  PyObject* copy = nullptr;
  if (def->m_size == -1 && (copy = PyDict_Copy(PyModule_GetDict(module))) == nullptr) return -1;
  const int64_t id = compat::CurrentInterpreterId();
  PyObject* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[{id, Utf8(name)}];
    old = entry.m_copy;
    entry = Entry{def, copy, initfunc};
  }
  Py_XDECREF(old);  // same interpreter as the new copy: safe here
  if (copy != nullptr && observer() != nullptr) observer()->CopyMade(def, copy, id, /*per_interpreter=*/true);
  return Register(name, module, def);
}

void IsolatedExtensionCache::ForgetCurrentInterpreter() {
  const int64_t id = compat::CurrentInterpreterId();
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
  ExtensionCache::ForgetCurrentInterpreter();
}

}  // namespace static_py
