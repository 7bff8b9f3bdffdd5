#include "interp/subinterpreter.h"

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "loader/static_finder.h"
#include "runtime/gil_nudger.h"
#include "runtime/interpreter_watcher.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

// The 3.8-3.11 guard thread state, in the interpreter's state dict.
constexpr const char* kHeldKey = "static_py.held";

// In the new interpreter, its thread state current: see subinterpreter.h.
int Hold() {
#if PY_VERSION_HEX >= 0x030C0000
  return static_py_set_running_main(1);
#else
  PyThreadState* guard = PyThreadState_New(compat::InterpreterOf(PyThreadState_Get()));
  if (guard == nullptr) {
    PyErr_NoMemory();
    return -1;
  }
  PyRef capsule = PyRef::Steal(PyCapsule_New(guard, kHeldKey, nullptr));
  if (!capsule) return -1;
  return PyDict_SetItemString(PyInterpreterState_GetDict(compat::InterpreterOf(PyThreadState_Get())), kHeldKey, capsule.get());
#endif
}

// With the thread state Hold() ran on attached, before Py_EndInterpreter.
void Release() {
#if PY_VERSION_HEX >= 0x030C0000
  static_py_set_running_main(0);
#else
  PyObject* state = PyInterpreterState_GetDict(compat::InterpreterOf(PyThreadState_Get()));
  PyObject* capsule = PyDict_GetItemString(state, kHeldKey);  // borrowed
  auto* guard = capsule != nullptr ? static_cast<PyThreadState*>(PyCapsule_GetPointer(capsule, kHeldKey)) : nullptr;
  if (guard == nullptr) return;
  PyThreadState_Clear(guard);
  PyThreadState_Delete(guard);
  PyDict_DelItemString(state, kHeldKey);
#endif
}

// The thread states Hold() added to the interpreter's (3.8-3.11: one).
constexpr int kHeldThreadStates = PY_VERSION_HEX >= 0x030C0000 ? 0 : 1;

}  // namespace

PyThreadState* Subinterpreter::Create(PyThreadState* main_tstate, const InterpreterConfig& config, std::string* error) {
  GilNudger::Attach(main_tstate);
  PyThreadState_Swap(nullptr);
  PyThreadState* sub = nullptr;
#if PY_VERSION_HEX >= 0x030C0000
  PyInterpreterConfig c = {};
  if (config.legacy) {
    c = compat::LegacyInterpreterConfig();
  } else {
    c.use_main_obmalloc = config.use_main_obmalloc;
    c.allow_fork = config.allow_fork;
    c.allow_exec = config.allow_exec;
    c.allow_threads = config.allow_threads;
    c.allow_daemon_threads = config.allow_daemon_threads;
    c.check_multi_interp_extensions = config.check_multi_interp_extensions;
    c.gil = config.gil;
  }
  InterpreterWatcher::Creating creating;
  PyStatus status = Py_NewInterpreterFromConfig(&sub, &c);
  if (PyStatus_Exception(status)) {
    *error = status.err_msg != nullptr ? status.err_msg : "Py_NewInterpreterFromConfig failed";
    if (status.func != nullptr) *error += std::string(" (in ") + status.func + ")";
    sub = nullptr;
  }
#else
  (void)config;
  InterpreterWatcher::Creating creating;
  sub = Py_NewInterpreter();
  if (sub == nullptr) *error = "Py_NewInterpreter failed";
#endif
  if (sub != nullptr && (StaticFinder::Install() < 0 || Hold() < 0)) {
    PyErr_Clear();
    *error = "preparing the new interpreter failed (the static extension finder, or holding it)";
    Release();
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
  if (sub != nullptr) GilNudger::InterpreterCreated(compat::InterpreterOf(sub));
  // Back to where we started, then let go of the main interpreter's GIL.
  PyThreadState_Swap(main_tstate);
  PyEval_SaveThread();
  return sub;
}

int Subinterpreter::UnjoinableThreads(PyThreadState* tstate, int own) {
  int total = 0;
  for (PyThreadState* t = PyInterpreterState_ThreadHead(compat::InterpreterOf(tstate)); t != nullptr; t = PyThreadState_Next(t)) total++;
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
  int unjoinable = total - own - kHeldThreadStates - joinable;
  return unjoinable > 0 ? unjoinable : 0;
}

void Subinterpreter::End(PyThreadState* tstate, PyThreadState* main_tstate, void (*before_end)(void*), void* arg) {
  GilNudger::Attach(tstate);
  if (before_end != nullptr) before_end(arg);
  Release();
  GilNudger::InterpreterEnding(compat::InterpreterOf(tstate));
  Py_EndInterpreter(tstate);
  // Nothing is attached now; swapping the main thread state back settles
  // which GIL this thread holds, and saving it releases that one.
  PyThreadState_Swap(main_tstate);
  PyEval_SaveThread();
}

}  // namespace static_py
