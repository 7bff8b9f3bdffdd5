// Rule 6 of thread_state_guard.h: no C++ exception crosses a CPython frame.
// Every function CPython calls into static-py (the finder's methods,
// __wrap_PyModule_Create2, the audit hook and atexit callback, the C API of
// include/static_py/import.h) runs its body through PyBoundary, which turns
// a C++ exception into a Python one instead: MemoryError for
// std::bad_alloc, SystemError naming the callback for anything else. Only
// these entry points need it; code they call may throw freely.
#ifndef STATIC_PY_ERRORS_PY_BOUNDARY_H_
#define STATIC_PY_ERRORS_PY_BOUNDARY_H_

#include <Python.h>

namespace static_py {

class PyBoundary {
 public:
  // A callback returning a new reference, or null with an exception set.
  template <typename Body>
  static PyObject* Object(const char* where, Body&& body) noexcept {
    try {
      Check(where);
      return body();
    } catch (...) {
      Translate(where);
      return nullptr;
    }
  }

  // A callback returning 0, or -1 with an exception set.
  template <typename Body>
  static int Status(const char* where, Body&& body) noexcept {
    try {
      Check(where);
      return body();
    } catch (...) {
      Translate(where);
      return -1;
    }
  }

 private:
  // Throws std::bad_alloc when the test run injects a fault at `where`
  // (runtime/fault_injection.h): the one way to prove the boundary holds.
  static void Check(const char* where);
  // Inside a catch: the C++ exception in flight, as a Python exception.
  static void Translate(const char* where) noexcept;
};

}  // namespace static_py

#endif  // STATIC_PY_ERRORS_PY_BOUNDARY_H_
