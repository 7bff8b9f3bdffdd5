// Failures the tests cause on purpose where nothing real can (a
// PyState_AddModule that fails, a C++ exception inside a CPython callback),
// and pauses that hold one thread inside a window other threads must not
// see into (a race that is otherwise microseconds wide). STATIC_PY_INJECT_FAULT
// names one point for the whole process ("pause:<point>" for a pause), read
// once before Python starts (ProcessState); unset, every check is one
// compare of an empty string.
#ifndef STATIC_PY_RUNTIME_FAULT_INJECTION_H_
#define STATIC_PY_RUNTIME_FAULT_INJECTION_H_

#include <Python.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "runtime/process_state.h"

namespace static_py {

// Whether the test run asked `point` to fail.
inline bool FaultInjected(const char* point) {
  const std::string& chosen = ProcessState::Get().fault_point();
  return !chosen.empty() && chosen == point;
}

// Holds the calling thread for 500 ms when the test run asked for
// "pause:<point>". Whatever lock the caller holds, it keeps holding.
inline void PauseIfAsked(const char* point) {
  const std::string& chosen = ProcessState::Get().fault_point();
  if (chosen.size() > 6 && chosen.compare(0, 6, "pause:") == 0 && chosen.compare(6, std::string::npos, point) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// PyThreadState_New(interp), or null: CPython is out of memory, or the test
// run failed `point` on purpose. Every caller handles null.
inline PyThreadState* NewThreadState(PyInterpreterState* interp, const char* point) {
  return FaultInjected(point) ? nullptr : PyThreadState_New(interp);
}

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_FAULT_INJECTION_H_
