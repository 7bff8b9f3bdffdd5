// Where single-phase modules go after their first import, so the next
// import in some interpreter can be served without (or with) calling the init
// function again. Two policies, one per process (ProcessState; the lab
// compares them):
//  * cpython:  CPython's own semantics for the running build, bugs included:
//              one m_copy per def, shared by every interpreter
//              (cpython/cpython_extension_cache.h);
//  * isolated: one m_copy per interpreter, approach 2 of gh-101758
//              (isolated_extension_cache.h).
#ifndef STATIC_PY_LOADER_EXTENSION_CACHE_H_
#define STATIC_PY_LOADER_EXTENSION_CACHE_H_

#include <Python.h>

#include <cstdint>

#include "loader/static_table_data.h"

namespace static_py {

class CacheObserver;

// All methods need the GIL of the interpreter doing the import.
class ExtensionCache {
 public:
  virtual ~ExtensionCache() = default;

  // The process-wide cache for the process's policy; the first call fixes
  // the policy (ProcessState::UsePolicy).
  static ExtensionCache& Active();

  // A single-phase module imported before under `name`, rebuilt as the
  // policy says (from m_copy, or by calling its init function again): a new
  // reference, in sys.modules. Null without an exception when nothing is
  // cached for this interpreter; null with one on failure.
  virtual PyObject* Find(PyObject* name, PyObject* spec) = 0;

  // Records a single-phase module right after its init function made it:
  // m_copy or m_init, PyState_FindModule's slot, and sys.modules[name]. On
  // failure nothing of it is left in sys.modules.
  virtual int Store(PyObject* name, PyObject* module, StaticInitFunc initfunc) = 0;

  // CPython 3.13+ runs every extension's init function with the main
  // interpreter active, records the result there (RecordFromMain, no
  // per-interpreter bookkeeping), switches back, and reloads the module in
  // the importing interpreter from what it recorded (Find). True when this
  // cache reproduces that.
  virtual bool InitRunsInMain() const { return false; }
  virtual int RecordFromMain(PyObject* name, PyObject* module, StaticInitFunc initfunc) {
    return Store(name, module, initfunc);
  }

  // The current interpreter is about to end: drop what belongs to it.
  virtual void ForgetCurrentInterpreter();

 protected:
  // The lab's observer, or null (cache_observer.h).
  static CacheObserver* observer();
  // sys.modules[name] = module, and PyState_FindModule's slot: both or, on
  // failure, neither.
  static int Register(PyObject* name, PyObject* module, PyModuleDef* def);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_EXTENSION_CACHE_H_
