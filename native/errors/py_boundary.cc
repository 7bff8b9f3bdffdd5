#include "errors/py_boundary.h"

#include <exception>
#include <new>

#include "runtime/fault_injection.h"

namespace static_py {

void PyBoundary::Check(const char* where) {
  if (FaultInjected(where)) throw std::bad_alloc();
}

void PyBoundary::Translate(const char* where) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_Format(PyExc_SystemError, "static-py: C++ exception in %s: %s", where, e.what());
  } catch (...) {
    PyErr_Format(PyExc_SystemError, "static-py: unknown C++ exception in %s", where);
  }
}

}  // namespace static_py
