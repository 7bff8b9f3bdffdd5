// The process-wide CPython runtime: started once, with the isolated config,
// and never finalised (thread_state_guard.h, rule 1). Started from Node's
// main thread, it starts there, so that Python's main thread is the one
// users expect (threading.main_thread(), signal.signal(), daemon defaults);
// started from a worker, which may exit before the process does, it starts
// on a thread of its own that waits for ever.
// What it decides for the whole process is kept in ProcessState.
#ifndef STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_
#define STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_

#include <Python.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "runtime/process_state.h"

namespace static_py {

struct RuntimeOptions {
  // Start on the calling thread (Node's main thread), which then is Python's
  // main thread; else on a thread of the runtime's own.
  bool on_calling_thread = false;
  // sys.executable: the build's interpreter, or $VIRTUAL_ENV/bin/python so
  // that CPython's own path logic finds pyvenv.cfg and the venv's site-packages.
  std::string executable;
  // How static modules reach the import system (ProcessState's Registration);
  // the inittab (StaticFinder::RegisterInInittab) is a baseline for npm run bench.
  Registration registration = Registration::kFast;
  // CPython's memory allocator, by PYTHONMALLOC's names ("malloc",
  // "pymalloc_debug", ...; empty: the build's default), which the isolated
  // preset would otherwise ignore. "malloc" is what valgrind and the
  // sanitizers need to see each object.
  std::string allocator;
  // pymalloc's arenas in transparent huge pages (runtime/huge_page_arenas.h)
  // when the kernel offers them: python.configure({ hugePages: true }).
  bool huge_page_arenas = false;
  // Names this build lacks although its manifest now lists them (the
  // manifest changed after the build), each with the message their import
  // fails with (ProcessState::missing_names).
  std::vector<std::pair<std::string, std::string>> missing_names;
  // Tests only: the point where a fault is injected once Python is up
  // (STATIC_PY_INJECT_FAULT; runtime/fault_injection.h). Empty: none.
  std::string fault_point;
};

// Owns CPython start-up. Start() may be called from any thread, any number
// of times: the first call starts Python and every call returns the same
// runtime, or throws the same std::runtime_error if start-up failed.
class PythonRuntime {
 public:
  static PythonRuntime& Start(const RuntimeOptions& options);

  // Keeps this addon mapped for the life of the process. Node dlcloses an
  // addon when the last environment that loaded it goes away (a worker
  // exiting), but CPython, once started, runs our code for ever (the finder,
  // python-main), and a reload would start a second runtime. Idempotent.
  static void KeepLoaded();
  // Py_GetVersion() of the libpython this process runs, copied once. Up to
  // 3.12 Py_GetVersion formats into a static buffer on every call, so two
  // threads calling it at once (workers asking python.version while another
  // starts Python) can read it torn: an empty version, seen on 3.12.1 in
  // test/31. The copy is made by the addon's init, before static-py starts
  // Python anywhere; nothing of ours calls Py_GetVersion again.
  static const std::string& LibpythonVersion();
  // The runtime if Start() has succeeded, else null.
  static PythonRuntime* Get();

  PyInterpreterState* main_interpreter() const { return main_interpreter_; }

  // The thread state Python started with, when it started on the calling
  // thread and has not been lent yet; else null. It stays the runtime's:
  // the borrower detaches it at the end and never deletes it (3.12+ marks
  // the main interpreter as running its __main__ program with it).
  PyThreadState* LendInitialThreadState();
  // Whether `tstate` is the one LendInitialThreadState() lends.
  bool IsInitialThreadState(PyThreadState* tstate) const { return tstate == initial_tstate_; }
  // Takes the initial thread state back when the borrower could not use it,
  // so the next ask on that thread gets it again: a second state of the
  // same interpreter for that thread is a fatal error in Py_DEBUG builds.
  // Returns false, doing nothing, for any other thread state.
  bool GiveBackInitialThreadState(PyThreadState* tstate) {
    if (!IsInitialThreadState(tstate)) return false;
    initial_lent_.store(false);
    return true;
  }

 private:
  PythonRuntime() = default;
  // Runs on python-main; returns an error message, or "" on success.
  std::string Boot(const RuntimeOptions& options);
  // Standard streams inheritable by Python's child processes, as in `python`.
  static void InheritStandardStreams();
  std::string PromoteLibpythonSymbols();

  PyInterpreterState* main_interpreter_ = nullptr;
  PyThreadState* initial_tstate_ = nullptr;     // set by Boot, on the thread that started Python
  unsigned long initial_thread_ = 0;            // that thread; 0 when it was the runtime's own
  std::atomic<bool> initial_lent_{false};
  std::string libpython_path_;  // the file holding libpython (the .node itself when linked in)
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_
