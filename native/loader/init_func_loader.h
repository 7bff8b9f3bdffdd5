// Creates modules from init functions the way CPython's dynamic extension
// loader does (include/static_py/import.h is the C face of this class):
// the version's checks and messages, multi-phase creation from def and spec,
// the package context for single-phase init, and the extension cache.
#ifndef STATIC_PY_LOADER_INIT_FUNC_LOADER_H_
#define STATIC_PY_LOADER_INIT_FUNC_LOADER_H_

#include <Python.h>

#include "loader/static_table.h"

namespace static_py {

class InitFuncLoader {
 public:
  // The module for `spec` (GIL held). Multi-phase: created, not executed.
  // Single-phase: finished and in sys.modules. *kind tells which it was
  // (kUnknown when it failed before the init function returned).
  // `entry`: the static table's entry the spec is for (null: none, or not
  // known). An entry that never finished a single-phase init (its init
  // kind) has nothing in the extension cache, which spares the lookup.
  static PyObject* CreateModule(PyObject* spec, StaticInitFunc initfunc, InitKind* kind = nullptr,
                                const StaticModuleEntry* entry = nullptr);

  // CPython's exec_builtin_or_dynamic(): runs a multi-phase module's exec
  // slots once; nothing for single-phase modules.
  static int ExecModule(PyObject* module);

  // Calls `initfunc` and checks its result as the running CPython version
  // does, with errors naming `short_name` (the last component, as CPython
  // prints it). Returns the def (multi-phase) or the module (single-phase),
  // a new reference, or null with the version's exception set.
  // `fullname` (UTF-8) is the package context; null for none.
  static PyObject* RunInitFunc(StaticInitFunc initfunc, const char* fullname, const char* short_name,
                               bool non_ascii, InitKind* kind);

  // ValueError for a name no import could produce; ImportError for the name
  // of a built-in module (CPython's inittab would win over any finder).
  // 0, or -1 with the exception.
  static int CheckName(PyObject* name);

  // CPython 3.13+, from a subinterpreter: init in main, reload here.
  static PyObject* CreateInMainThenReload(PyObject* spec, PyObject* name, StaticInitFunc initfunc, const char* fullname,
                                          const char* short_name, bool non_ascii, InitKind* kind);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_INIT_FUNC_LOADER_H_
