// Failures the tests cause on purpose where nothing real can (a
// PyState_AddModule that fails, a C++ exception inside a CPython callback).
// STATIC_PY_INJECT_FAULT names one point for the whole process, read once
// before Python starts (ProcessState); unset, every check is one compare of
// an empty string.
#ifndef STATIC_PY_RUNTIME_FAULT_INJECTION_H_
#define STATIC_PY_RUNTIME_FAULT_INJECTION_H_

#include <Python.h>

#include "runtime/process_state.h"

namespace static_py {

// Whether the test run asked `point` to fail.
inline bool FaultInjected(const char* point) {
  const std::string& chosen = ProcessState::Get().fault_point();
  return !chosen.empty() && chosen == point;
}

// PyThreadState_New(interp), or null: CPython is out of memory, or the test
// run failed `point` on purpose. Every caller handles null.
inline PyThreadState* NewThreadState(PyInterpreterState* interp, const char* point) {
  return FaultInjected(point) ? nullptr : PyThreadState_New(interp);
}

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_FAULT_INJECTION_H_
