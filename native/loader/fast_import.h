// The fast import path: importlib._bootstrap._find_and_load, the function
// CPython's import statement, __import__ and importlib.import_module all
// call for a name missing from sys.modules, replaced in each equipped
// interpreter by a C function that imports static modules itself and hands
// every other name to importlib's own. Around it CPython keeps doing what
// it does in C: the sys.modules hit, the `import` audit event, -X importtime,
// fromlist and the parent package's attribute for `from` imports.
//
// A name takes the fast path only when importlib's path would have reached
// static-py's finder first and found a module there: the name is in the
// static table with an init function, static-py's finder is sys.meta_path[0]
// (so no hook put before it is skipped), sys.modules is a dict without the
// name, and no other thread is importing it. Then it does what
// _find_and_load does, step for step and version by version (3.8-3.14): the
// parent first through the caller's __import__, __path__ or "is not a
// package", _uninitialized_submodules (3.11+), the spec, the module's
// attributes (_init_module_attrs without override), spec._initializing,
// sys.modules during exec and the clean-up when exec fails, the move to the
// end of sys.modules (a module that replaced itself there is what the import
// returns), -v's message, and the attribute on the parent.
//
// The per-module lock. importlib makes a _ModuleLock for every import; the
// fast path instead records the import in a per-interpreter list (name,
// thread, depth) and makes importlib's lock only when another thread waits:
// the waiter makes it, held by the importing thread (cpython/
// importlib_locks.h), and waits in importlib's own acquire(), deadlock
// detection included; the importing thread releases it when done. The same
// thread importing the name again during its init goes on, as under
// importlib (its lock is reentrant). _lock_unlock_module, which CPython calls
// for a module still initialising, is replaced too, to make that lock.
//
// Threads: every function here runs with the GIL held, in the interpreter
// that owns the object; the list is that interpreter's.
#ifndef STATIC_PY_LOADER_FAST_IMPORT_H_
#define STATIC_PY_LOADER_FAST_IMPORT_H_

#include <Python.h>

namespace static_py {

class FastImport {
 public:
  // Replaces _find_and_load and _lock_unlock_module of the current
  // interpreter's importlib; `finder` is its static finder, just put at
  // sys.meta_path[0]. 0, or -1 with an exception.
  static int Install(PyObject* finder);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_FAST_IMPORT_H_
