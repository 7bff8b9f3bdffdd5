// Thread states and the GIL: the rules every entry point into Python follows.
// They are written here once; code elsewhere only says which rule it relies on.
//
//  1. CPython is initialised once per process (PythonRuntime), with the
//     isolated config, and never finalised: on Node's main thread when
//     static-py is first used there (Python's main thread is then Node's),
//     else on a thread of its own ("python-main"). The thread state it
//     starts with belongs to the runtime; Node's main thread borrows it as
//     its main-interpreter thread state (rule 3). After start-up no thread
//     holds a GIL.
//  2. A thread touches objects of interpreter I only while one of I's thread
//     states is attached to it (a ThreadStateGuard is alive). A thread state
//     belongs to one OS thread and one interpreter and is used nowhere else.
//  3. JS threads. Every Node environment (the main thread, each worker) has
//     its own thread state for the main interpreter, created on first use,
//     and, for each subinterpreter it created, the thread state
//     Py_NewInterpreter* returned. Synchronous calls attach it for the call
//     and detach it before returning to JS, so an idle interpreter never
//     holds a GIL and the event loop never waits on one.
//  4. Nesting. Attaching while another thread state is attached on the same
//     thread detaches that one first and re-attaches it afterwards
//     (Python -> JS callback -> Python); attaching the one that is already
//     attached does nothing.
//  5. References held by JS objects are dropped only with their
//     interpreter's thread state attached. A finalizer that runs without it
//     queues the reference, and the next attach on that interpreter drops it.
//  6. No C++ exception crosses a CPython frame: every function CPython calls
//     into static-py runs its body through PyBoundary (errors/py_boundary.h),
//     which turns a C++ exception into a Python one.
//  7. Every attach goes through GilNudger::Attach, never a bare
//     PyEval_RestoreThread: on 3.9-3.12 it is how a thread waiting for a
//     shared GIL gets it from a holder busy in another interpreter
//     (gil_nudger.h).
//  8. No JS runs while a thread state is attached: a result or an error is
//     taken out as plain data (Value, PythonException) with the GIL held and
//     made into JS objects after detaching (Interpreter::Invoke, AsyncCall),
//     since making them can run user code (Error.prepareStackTrace, getters).
#ifndef STATIC_PY_RUNTIME_THREAD_STATE_GUARD_H_
#define STATIC_PY_RUNTIME_THREAD_STATE_GUARD_H_

#include <Python.h>

#include "runtime/gil_nudger.h"
#include "cpython/compat.h"

namespace static_py {

// Attaches `target` to the calling thread for the guard's lifetime (rules 2
// and 4). Not copyable or movable: it must die on the thread that made it.
class ThreadStateGuard {
 public:
  explicit ThreadStateGuard(PyThreadState* target) : target_(target) {
    PyThreadState* current = compat::AttachedThreadState();
    if (current == target_) return;
    previous_ = current;
    if (previous_ != nullptr) PyEval_SaveThread();
    GilNudger::Attach(target_);
    attached_ = true;
  }
  ~ThreadStateGuard() {
    if (!attached_) return;
    PyEval_SaveThread();
    if (previous_ != nullptr) GilNudger::Attach(previous_);
  }
  ThreadStateGuard(const ThreadStateGuard&) = delete;
  ThreadStateGuard& operator=(const ThreadStateGuard&) = delete;

 private:
  PyThreadState* target_;
  PyThreadState* previous_ = nullptr;
  bool attached_ = false;
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_THREAD_STATE_GUARD_H_
