// The `cpython` policy: single-phase modules cached exactly as the running
// CPython caches dynamic extensions, bugs included (one m_copy per def,
// shared by all interpreters, cleared when any interpreter that imported the
// module ends). It lives behind the wall (internals.h) because it is made of
// CPython's private parts:
//  * 3.8-3.12: CPython does it. Store() is CPython's exported
//    _PyImport_FixupExtensionObject, keyed like a builtin (name, name);
//    Find() is _PyImport_FindExtensionObject (3.8-3.10) or, where that is no
//    longer exported, _imp.create_builtin(), whose first step is the same
//    extension-cache lookup (3.11-3.12).
//  * 3.13-3.14: none of that is exported; Store()/Find() reproduce each
//    version's import_run_extension() / import_find_extension() on public
//    API and the def's m_copy/m_init, including running init functions with
//    the main interpreter active (InitRunsInMain); the differential test and
//    the lab's `dynamic` loader hold them to what CPython does with the same
//    extension built as a shared library.
#ifndef STATIC_PY_CPYTHON_CPYTHON_EXTENSION_CACHE_H_
#define STATIC_PY_CPYTHON_CPYTHON_EXTENSION_CACHE_H_

#include <mutex>
#include <string>
#include <unordered_map>

#include "loader/extension_cache.h"

namespace static_py {

class CPythonExtensionCache : public ExtensionCache {
 public:
  PyObject* Find(PyObject* name, PyObject* spec) override;
  int Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) override;
#if PY_VERSION_HEX >= 0x030D0000
  bool InitRunsInMain() const override { return true; }
  int RecordFromMain(PyObject* name, PyObject* module, StaticInitFunc initfunc) override;
#endif

 private:
  // The def cached under `name`, or null: nothing of ours was cached there.
  PyModuleDef* Lookup(const std::string& name);
  // `name` is `def`'s from now on; the lab's observer hears of its m_copy.
  void Remember(PyObject* name, PyModuleDef* def);

  std::mutex mutex_;  // guards defs_, never held while Python runs
  std::unordered_map<std::string, PyModuleDef*> defs_;
};

}  // namespace static_py

#endif  // STATIC_PY_CPYTHON_CPYTHON_EXTENSION_CACHE_H_
