// The meta path finder and loader for static extensions, written in C++
// (a Python type made with PyType_FromSpec in each interpreter). Every
// interpreter of the process gets two instances (runtime/interpreter_watcher.h
// equips the ones static-py did not make):
//  * sys.meta_path[0]: finds, creates and executes the static modules of the
//    build-time table;
//  * the end of sys.meta_path: supplies the parent packages of dotted static
//    names that no other finder provides (`import a.b.c` with only a.b.c
//    static), after every real finder had its chance; and raises
//    ModuleNotFoundError, saying why, for names the build lacks although
//    its manifest now lists them (ProcessState::missing_names, set before
//    Python starts). Only a manifest that changed after the build gives any
//    (lib/manifest-check.ts): a finder that raises instead of returning None
//    changes importlib.util.find_spec for those names, which is right only
//    when the build is out of date.
// A third kind of instance is the loader of one init function
// (importByInitFunc); it is never on sys.meta_path.
#ifndef STATIC_PY_LOADER_STATIC_FINDER_H_
#define STATIC_PY_LOADER_STATIC_FINDER_H_

#include <Python.h>

#include <string>

#include "loader/static_table_data.h"

namespace static_py {

class StaticFinder {
 public:
  // GIL held, in the interpreter to equip. 0, or -1 with an exception.
  // Does nothing once the table went to the inittab instead, or when the
  // interpreter is equipped already.
  static int Install();
  // Whether Install() equipped the current interpreter (GIL held).
  static bool Installed();

  // Before Py_Initialize: registers the table's top-level modules with
  // PyImport_ExtendInittab, CPython's own path for built-in modules (a
  // linear scan per import; dotted names are out of its reach), and keeps
  // the finder off sys.meta_path from then on. For comparison only
  // (npm run bench); -1 when CPython refuses.
  static int RegisterInInittab();

  // The fast import path's use of the modules finder (fast_import.h): the
  // spec its find_spec returns for `entry`, and its create_module for that
  // spec. New references, or null with an exception.
  static PyObject* SpecFor(PyObject* finder, PyObject* name, const StaticModuleEntry& entry);
  static PyObject* CreateFor(PyObject* spec, const StaticModuleEntry& entry);

  // "static", "static-package", "builtin", "frozen", "extension", "source",
  // "sourceless", "namespace", or the loader's type name.
  static std::string LoaderKind(PyObject* loader);

  // The full import of `name` with `initfunc` as its loader (see
  // StaticPy_ImportByInitFunc). `origin` is the spec's origin (null: the
  // file that holds `initfunc`). Returns the module, a new reference.
  static PyObject* ImportWithInitFunc(PyObject* name, StaticInitFunc initfunc, PyObject* origin);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_STATIC_FINDER_H_
