#include "runtime/interpreter_watcher.h"

#include <cstring>

#include "errors/py_boundary.h"
#include "loader/extension_cache.h"
#include "loader/static_finder.h"
#include "cpython/compat.h"
#include "runtime/gil_nudger.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

// Rule 2: set while this thread runs Py_NewInterpreter* for static-py.
thread_local int g_creating = 0;

// Whether `meta_path` (a list) holds importlib's PathFinder, the class.
bool HasPathFinder(PyObject* meta_path) {
  if (!PyList_Check(meta_path)) return false;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta_path); i++) {
    PyObject* item = PyList_GET_ITEM(meta_path, i);
    if (PyType_Check(item) && std::strcmp(reinterpret_cast<PyTypeObject*>(item)->tp_name, "PathFinder") == 0) return true;
  }
  return false;
}

PyMethodDef kEndingDef = {"static_py_interpreter_ending", nullptr, METH_NOARGS,
                          "static-py: forget this interpreter (registered with atexit when it was equipped)"};

}  // namespace

InterpreterWatcher::Creating::Creating() { g_creating++; }
InterpreterWatcher::Creating::~Creating() { g_creating--; }

int InterpreterWatcher::Start() {
  kEndingDef.ml_meth = &InterpreterWatcher::Ending;
  return PySys_AddAuditHook(&InterpreterWatcher::Hook, nullptr);
}

int InterpreterWatcher::Hook(const char* event, PyObject* args, void*) {
  if (std::strcmp(event, "import") != 0 || g_creating) return 0;
  int equipped = PyBoundary::Status("the interpreter watcher's audit hook", [args] {
    if (StaticFinder::Installed() || !PyTuple_Check(args) || PyTuple_GET_SIZE(args) < 4) return 0;
    if (!HasPathFinder(PyTuple_GET_ITEM(args, 3))) return 0;  // rule 1
    return Equip();
  });
  if (equipped < 0) PyErr_WriteUnraisable(nullptr);  // rule 4: reported, never raised into the import
  return 0;
}

int InterpreterWatcher::Equip() {
  if (StaticFinder::Install() < 0) return -1;
  PyRef atexit = PyRef::Steal(PyImport_ImportModule("atexit"));
  PyRef ending = atexit ? PyRef::Steal(PyCFunction_New(&kEndingDef, nullptr)) : PyRef();
  PyRef registered = ending ? PyRef::Steal(PyObject_CallMethod(atexit.get(), "register", "O", ending.get())) : PyRef();
  if (!registered) return -1;
  GilNudger::InterpreterCreated(compat::CurrentInterpreter());
  return 0;
}

PyObject* InterpreterWatcher::Ending(PyObject*, PyObject*) {
  return PyBoundary::Object("static_py_interpreter_ending", []() -> PyObject* {
    ExtensionCache::Active().ForgetCurrentInterpreter();
    GilNudger::InterpreterEnding(compat::CurrentInterpreter());
    Py_RETURN_NONE;
  });
}

}  // namespace static_py
