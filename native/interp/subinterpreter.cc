#include "interp/subinterpreter.h"

#include "loader/static_finder.h"
#include "runtime/gil_nudger.h"
#include "util/py_ref.h"

namespace static_py {

PyThreadState* Subinterpreter::Create(PyThreadState* main_tstate, const InterpreterConfig& config, std::string* error) {
  GilNudger::Attach(main_tstate);
  PyThreadState_Swap(nullptr);
  PyThreadState* sub = nullptr;
#if PY_VERSION_HEX >= 0x030C0000
  PyInterpreterConfig c = {};
  if (config.legacy) {
    c = (PyInterpreterConfig)_PyInterpreterConfig_LEGACY_INIT;
  } else {
    c.use_main_obmalloc = config.use_main_obmalloc;
    c.allow_fork = config.allow_fork;
    c.allow_exec = config.allow_exec;
    c.allow_threads = config.allow_threads;
    c.allow_daemon_threads = config.allow_daemon_threads;
    c.check_multi_interp_extensions = config.check_multi_interp_extensions;
    c.gil = config.gil;
  }
  PyStatus status = Py_NewInterpreterFromConfig(&sub, &c);
  if (PyStatus_Exception(status)) {
    *error = status.err_msg != nullptr ? status.err_msg : "Py_NewInterpreterFromConfig failed";
    if (status.func != nullptr) *error += std::string(" (in ") + status.func + ")";
    sub = nullptr;
  }
#else
  (void)config;
  sub = Py_NewInterpreter();
  if (sub == nullptr) *error = "Py_NewInterpreter failed";
#endif
  if (sub != nullptr && StaticFinder::Install() < 0) {
    PyErr_Clear();
    *error = "installing the static extension finder in the new interpreter failed";
    Py_EndInterpreter(sub);
    sub = nullptr;
  }
#if PY_VERSION_HEX < 0x030D0000
  // Before 3.13, threading takes the thread that first imports it for the
  // interpreter's main thread, and Py_EndInterpreter's threading._shutdown()
  // expects to run there. Import it here, on the thread that will end it,
  // rather than wherever an async call first needs it.
  if (sub != nullptr) {
    PyObject* threading = PyImport_ImportModule("threading");
    if (threading == nullptr) PyErr_Clear();
    Py_XDECREF(threading);
  }
#endif
  if (sub != nullptr) GilNudger::InterpreterCreated(sub->interp);
  // Back to where we started, then let go of the main interpreter's GIL.
  PyThreadState_Swap(main_tstate);
  PyEval_SaveThread();
  return sub;
}

int Subinterpreter::UnjoinableThreads(PyThreadState* tstate, int own) {
  int total = 0;
  for (PyThreadState* t = PyInterpreterState_ThreadHead(tstate->interp); t != nullptr; t = PyThreadState_Next(t)) total++;
  int joinable = 0;
  // threading's non-daemon threads are joined by Py_EndInterpreter.
  PyObject* threading = PyDict_GetItemString(PyImport_GetModuleDict(), "threading");  // borrowed
  if (threading != nullptr) {
    PyRef all = PyRef::Steal(PyObject_CallMethod(threading, "enumerate", nullptr));
    PyRef main_thread = PyRef::Steal(PyObject_CallMethod(threading, "main_thread", nullptr));
    if (!all || !main_thread) return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(all.get()); i++) {
      PyObject* thread = PyList_GET_ITEM(all.get(), i);
      if (thread == main_thread.get()) continue;
      PyRef daemon = PyRef::Steal(PyObject_GetAttrString(thread, "daemon"));
      if (!daemon) return -1;
      if (!PyObject_IsTrue(daemon.get())) joinable++;
    }
  }
  int unjoinable = total - own - joinable;
  return unjoinable > 0 ? unjoinable : 0;
}

void Subinterpreter::End(PyThreadState* tstate, PyThreadState* main_tstate, void (*before_end)(void*), void* arg) {
  GilNudger::Attach(tstate);
  if (before_end != nullptr) before_end(arg);
  GilNudger::InterpreterEnding(tstate->interp);
  Py_EndInterpreter(tstate);
  // Nothing is attached now; swapping the main thread state back settles
  // which GIL this thread holds, and saving it releases that one.
  PyThreadState_Swap(main_tstate);
  PyEval_SaveThread();
}

}  // namespace static_py
