// Small shims over C-API differences between CPython 3.8 and 3.14 (private
// names before their public ones existed), so the rest of native/ is written
// once against one vocabulary.
#ifndef STATIC_PY_CPYTHON_COMPAT_H_
#define STATIC_PY_CPYTHON_COMPAT_H_

#include <Python.h>

#include <cstdint>

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

inline PyObject* Vectorcall(PyObject* callable, PyObject* const* args, size_t nargs, PyObject* kwnames) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_Vectorcall(callable, args, nargs, kwnames);
#else
  return _PyObject_Vectorcall(callable, args, nargs, kwnames);
#endif
}

// The same, with keyword arguments as a dict (or null).
inline PyObject* VectorcallDict(PyObject* callable, PyObject* const* args, size_t nargs, PyObject* kwargs) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_VectorcallDict(callable, args, nargs, kwargs);
#else
  return _PyObject_FastCallDict(callable, args, nargs, kwargs);
#endif
}

inline PyInterpreterState* CurrentInterpreter() {
#if PY_VERSION_HEX >= 0x03090000
  return PyInterpreterState_Get();
#else
  return _PyInterpreterState_Get();
#endif
}

// CPython's id of the interpreter the calling thread runs in (GIL held).
inline int64_t CurrentInterpreterId() { return PyInterpreterState_GetID(CurrentInterpreter()); }

// The interpreter `tstate` belongs to (3.8 has only the struct's field).
inline PyInterpreterState* InterpreterOf(PyThreadState* tstate) {
#if PY_VERSION_HEX >= 0x03090000
  return PyThreadState_GetInterpreter(tstate);
#else
  return tstate->interp;
#endif
}

#if PY_VERSION_HEX >= 0x030C0000
// What Py_NewInterpreter() uses: CPython's own legacy settings, spelt by a
// macro that keeps its leading underscore (3.12+).
inline PyInterpreterConfig LegacyInterpreterConfig() { return (PyInterpreterConfig)_PyInterpreterConfig_LEGACY_INIT; }
#endif

}  // namespace static_py::compat

#endif  // STATIC_PY_CPYTHON_COMPAT_H_
