// Small shims over C-API differences between CPython 3.8 and 3.13, so the
// rest of native/ is written once against one vocabulary.
#ifndef STATIC_PY_UTIL_COMPAT_H_
#define STATIC_PY_UTIL_COMPAT_H_

#include <Python.h>

namespace static_py::compat {

// The thread state attached to the calling OS thread, or null; never fails.
// Before 3.12 CPython's "current" thread state is process-wide (whoever
// holds the GIL), so it only counts as ours when it belongs to this thread.
inline PyThreadState* AttachedThreadState() {
#if PY_VERSION_HEX >= 0x030D0000
  PyThreadState* current = PyThreadState_GetUnchecked();
#else
  PyThreadState* current = _PyThreadState_UncheckedGet();
#endif
  return current != nullptr && current->thread_id == PyThread_get_thread_ident() ? current : nullptr;
}

inline PyObject* CallNoArgs(PyObject* callable) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_CallNoArgs(callable);
#else
  return PyObject_CallObject(callable, nullptr);
#endif
}

inline PyObject* CallOneArg(PyObject* callable, PyObject* arg) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_CallOneArg(callable, arg);
#else
  return PyObject_CallFunctionObjArgs(callable, arg, nullptr);
#endif
}

inline PyObject* Vectorcall(PyObject* callable, PyObject* const* args, size_t nargs, PyObject* kwnames) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_Vectorcall(callable, args, nargs, kwnames);
#else
  return _PyObject_Vectorcall(callable, args, nargs, kwnames);
#endif
}

inline int64_t InterpreterId(PyInterpreterState* interp) { return PyInterpreterState_GetID(interp); }

inline PyInterpreterState* CurrentInterpreter() {
#if PY_VERSION_HEX >= 0x03090000
  return PyInterpreterState_Get();
#else
  return _PyInterpreterState_Get();
#endif
}

}  // namespace static_py::compat

#endif  // STATIC_PY_UTIL_COMPAT_H_
