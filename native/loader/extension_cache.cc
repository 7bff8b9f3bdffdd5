#include "loader/extension_cache.h"

#include "cpython/compat.h"
#include "cpython/cpython_extension_cache.h"
#include "loader/cache_observer.h"
#include "loader/isolated_extension_cache.h"
#include "runtime/fault_injection.h"
#include "runtime/process_state.h"

namespace static_py {

ExtensionCache& ExtensionCache::Active() {
  // Process-wide, as CPython's own extension cache is. Never destroyed.
  static auto* cpython = new CPythonExtensionCache();
  static auto* isolated = new IsolatedExtensionCache();
  if (ProcessState::Get().UsePolicy() == CachePolicy::kIsolated) return *isolated;
  return *cpython;
}

void ExtensionCache::ForgetCurrentInterpreter() {
  if (CacheObserver* o = observer()) o->InterpreterEnding(compat::CurrentInterpreterId());
}

CacheObserver* ExtensionCache::observer() { return ProcessState::Get().cache_observer(); }

int ExtensionCache::Register(PyObject* name, PyObject* module, PyModuleDef* def) {
  if (PyObject_SetItem(PyImport_GetModuleDict(), name, module) < 0) return -1;
  if (FaultInjected("PyState_AddModule")) {
    PyErr_SetString(PyExc_SystemError, "static-py: PyState_AddModule failed (STATIC_PY_INJECT_FAULT)");
  } else if (PyState_AddModule(module, def) == 0) {
    return 0;
  }
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  if (PyObject_DelItem(PyImport_GetModuleDict(), name) < 0) PyErr_Clear();
  PyErr_Restore(type, value, tb);
  return -1;
}

}  // namespace static_py
