// The `isolated` policy: approach 2 of gh-101758. Each interpreter keeps its
// own m_copy of a single-phase module's dict, made from objects it owns, so
// no interpreter ever copies, or frees, another's objects. The first import
// in every interpreter runs the init function (with the package context),
// later imports in that interpreter are served from its own copy (m_size
// -1) or by running the init function again (m_size >= 0). The def's shared
// m_copy is never written.
#ifndef STATIC_PY_LOADER_ISOLATED_EXTENSION_CACHE_H_
#define STATIC_PY_LOADER_ISOLATED_EXTENSION_CACHE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "loader/extension_cache.h"

namespace static_py {

class IsolatedExtensionCache : public ExtensionCache {
 public:
  PyObject* Find(PyObject* name, PyObject* spec) override;
  int Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) override;
  void ForgetCurrentInterpreter() override;

 private:
  struct Entry {
    PyModuleDef* def = nullptr;
    PyObject* m_copy = nullptr;  // owned, and owned by the entry's interpreter
    StaticInitFunc init = nullptr;
  };
  using Key = std::pair<int64_t, std::string>;  // (interpreter id, module name)

  std::mutex mutex_;  // guards entries_, never held while Python runs
  std::map<Key, Entry> entries_;
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_ISOLATED_EXTENSION_CACHE_H_
