// importlib's per-module import locks (_bootstrap._ModuleLock), reached from
// C, behind the wall (internals.h lists the rest). static-py's fast import
// path (loader/fast_import.h) does not create one of these for an import
// nobody waits for: a _ModuleLock costs 2 us (3.11) to 4 us (3.12+) in
// Python, more than the rest of a static import. When a second thread does
// wait, it makes the lock the importing thread would have held, already
// held by that thread, so every wait goes through importlib's own acquire()
// and its deadlock detection. What is relied on, checked on 3.8.18, 3.9.18,
// 3.10.13, 3.11.7, 3.12.1, 3.13.0, 3.14.7 and Debian's 3.11:
//  * _bootstrap._module_locks: name -> weakref to the name's _ModuleLock;
//  * _ModuleLock(name) starts free; `owner` is the holder's
//    _thread.get_ident(); `count` is how often it holds it: an int up to
//    3.11, a list of True from 3.12. release() by the holder frees it and
//    wakes the waiters.
// Plain data, no constructor: it lives inside a Python object (FastImport).
#ifndef STATIC_PY_CPYTHON_IMPORTLIB_LOCKS_H_
#define STATIC_PY_CPYTHON_IMPORTLIB_LOCKS_H_

#include <Python.h>

namespace static_py {

class ImportlibLocks {
 public:
  // GIL held, with `bootstrap` the interpreter's _frozen_importlib. 0, or -1 with an exception.
  int Init(PyObject* bootstrap);
  void Clear();
  int Traverse(visitproc visit, void* arg);

  // 1 when importlib has a live lock for `name` (held, or about to be by
  // whoever made it), 0 when not, -1 with an exception.
  int Exists(PyObject* name);

  // A new _ModuleLock for `name`, free and not registered. Runs Python
  // (its __init__): another thread may run meanwhile.
  PyObject* New(PyObject* name);
  // Makes `lock` (from New) held `depth` times by the thread `owner`, as if
  // that thread had taken it through importlib, and registers it in
  // _module_locks; unless importlib has a live lock for `name` already,
  // which is returned instead, untouched. Runs no Python code, so the
  // caller's view of who imports `name` stays true throughout.
  // A new reference, or null with an exception.
  PyObject* HoldFor(PyObject* lock, PyObject* name, unsigned long owner, int depth);

 private:
  PyObject* module_locks_;  // _bootstrap._module_locks (a dict)
  PyObject* lock_class_;    // _bootstrap._ModuleLock
};

}  // namespace static_py

#endif  // STATIC_PY_CPYTHON_IMPORTLIB_LOCKS_H_
