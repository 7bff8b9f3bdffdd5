// Interpreters static-py did not make: CPython's _xxsubinterpreters
// (3.8-3.12) and _interpreters (3.13+), concurrent.interpreters and
// InterpreterPoolExecutor (3.14), or C code calling Py_NewInterpreter*. A
// statically linked application's modules must import in them too, so each
// gets the static finder, and the extension cache forgets it when it ends.
//
// How an interpreter is found: a C-level audit hook (PySys_AddAuditHook).
// Such hooks are process-wide and outlive every interpreter, and CPython
// raises "import" for every import that misses sys.modules, in the
// importing interpreter and with its live sys.meta_path, before any finder
// runs; so an interpreter is equipped before its first static import,
// whoever made it, without patching CPython. The other ways in do not reach
// every interpreter: the C API has no interpreter-creation callback (3.12's
// watchers cover dicts, types, functions and code objects); wrapping
// Py_NewInterpreter* at link time reaches only calls from this addon, not
// libpython's own _interpreters; a .pth or sitecustomize is the user's
// environment, not ours. The cost: the hook runs for every audit event of
// every interpreter, one strcmp for all but "import", and for an import
// that misses sys.modules one lookup in the interpreter's state dict.
//
// The rules:
//  1. An interpreter is equipped once (StaticFinder::Installed), and only
//     when its sys.meta_path holds PathFinder: its importlib is set up, and
//     the trailing finder of parent packages must come after every real
//     finder. One whose finder a user removed is not equipped again.
//  2. While static-py creates an interpreter on a thread, the hook leaves it
//     alone there: Subinterpreter::Create equips it, and ends it itself.
//  3. An interpreter the hook equipped gets an atexit callback (Python's
//     atexit runs in Py_EndInterpreter on every version from 3.8): what the
//     extension cache keeps for it goes, and the GIL nudger stops counting
//     it, as static-py's own close does for its interpreters.
//  4. No C++ exception leaves the hook or the callback (thread_state_guard.h,
//     rule 6); a failure to equip is reported as unraisable, and the import
//     goes on without static modules.
#ifndef STATIC_PY_RUNTIME_INTERPRETER_WATCHER_H_
#define STATIC_PY_RUNTIME_INTERPRETER_WATCHER_H_

#include <Python.h>

namespace static_py {

class InterpreterWatcher {
 public:
  // Once per process, GIL held, after the main interpreter is equipped.
  // 0, or -1 with an exception.
  static int Start();

  // Rule 2: alive while the calling thread creates an interpreter of static-py's.
  class Creating {
   public:
    Creating();
    ~Creating();
    Creating(const Creating&) = delete;
    Creating& operator=(const Creating&) = delete;
  };

 private:
  static int Hook(const char* event, PyObject* args, void* data);
  static int Equip();
  static PyObject* Ending(PyObject* self, PyObject* unused);
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_INTERPRETER_WATCHER_H_
