// Creating and ending subinterpreters: the one place that knows the
// thread-state and GIL sequence each CPython version needs. Both follow the
// pattern CPython's own tests use (_testcapi.run_in_subinterp*): from the
// caller's main-interpreter thread state, swap to none, create; to end,
// attach the subinterpreter's thread state, end it, swap the main one back.
//
// While static-py holds an interpreter, CPython's own interpreter modules
// (_xxsubinterpreters, _interpreters) must neither end it nor run code in
// it on another thread: ending it would free the thread states static-py
// keeps (3.13: a fatal "not the last thread"), and 3.8-3.11 run code there
// on static-py's own thread state. Those modules check for themselves:
//  * 3.12+: an interpreter running its __main__ program is refused
//    ("interpreter running", "interpreter already running"). static-py's
//    interpreters are running for as long as it holds them, as the main
//    interpreter of `python` is for as long as the program runs.
//  * 3.8-3.11: an interpreter with more than one thread state is refused
//    ("interpreter has more than one thread"). static-py keeps a second one,
//    never attached, until it ends the interpreter.
// concurrent.interpreters (3.14) refuses them anyway, as not made by it.
#ifndef STATIC_PY_INTERP_SUBINTERPRETER_H_
#define STATIC_PY_INTERP_SUBINTERPRETER_H_

#include <Python.h>

#include <string>

namespace static_py {

// PyInterpreterConfig as the TS layer sends it (3.12+; before 3.12 only
// `legacy` may be set).
struct InterpreterConfig {
  bool legacy = true;  // Py_NewInterpreter(): all fields below ignored
  bool use_main_obmalloc = true;
  bool allow_fork = true;
  bool allow_exec = true;
  bool allow_threads = true;
  bool allow_daemon_threads = true;
  bool check_multi_interp_extensions = false;
  int gil = 1;  // 0 default, 1 shared, 2 own (PyInterpreterConfig_*_GIL)
};

class Subinterpreter {
 public:
  // On a JS thread with nothing attached; `main_tstate` is that thread's
  // thread state for the main interpreter. Returns the new interpreter's
  // thread state for this thread, detached, with the static finder
  // installed; or null with *error set (CPython's refusal, say).
  static PyThreadState* Create(PyThreadState* main_tstate, const InterpreterConfig& config, std::string* error);

  // On the thread that owns `tstate`, nothing attached, no other thread
  // state of the interpreter left. Runs `before_end` with `tstate`
  // attached first (to drop references), then ends the interpreter.
  static void End(PyThreadState* tstate, PyThreadState* main_tstate, void (*before_end)(void*), void* arg);

  // With `tstate` attached: the number of the interpreter's threads that
  // Py_EndInterpreter could not wait for (daemon threads and raw _thread
  // threads) besides the callers' `own` thread states; -1 on error.
  static int UnjoinableThreads(PyThreadState* tstate, int own);
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_SUBINTERPRETER_H_
