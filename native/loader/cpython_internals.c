#define Py_BUILD_CORE_MODULE 1
#include "loader/cpython_internals.h"

#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_interp.h"
#include "internal/pycore_moduleobject.h"
#endif
#include "internal/pycore_ceval.h"
#if PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#endif

int static_py_rename_new_module(PyObject *module, PyObject *fullname) {
#if PY_VERSION_HEX >= 0x030C0000
  /* PyModule_Create2 names the module from def->m_name and hands that same
   * string object to every function it adds (PyModule_AddFunctions), so
   * identity tells its functions from anything else in the dict. */
  PyModuleObject *m = (PyModuleObject *)module;
  PyObject *old = m->md_name;
  if (PyDict_SetItemString(m->md_dict, "__name__", fullname) < 0) return -1;
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(m->md_dict, &pos, &key, &value)) {
    if (!PyCFunction_Check(value)) continue;
    PyCFunctionObject *f = (PyCFunctionObject *)value;
    if (f->m_self == module && f->m_module == old) {
      Py_INCREF(fullname);
      Py_SETREF(f->m_module, fullname);
    }
  }
  Py_INCREF(fullname);
  Py_XSETREF(m->md_name, fullname);
  return 0;
#else
  (void)module;
  (void)fullname;
  PyErr_SetString(PyExc_SystemError, "static-py: module renaming is only used on CPython 3.12+");
  return -1;
#endif
}

int static_py_interp_refuses_singlephase(void) {
#if PY_VERSION_HEX >= 0x030C0000
  /* Mirrors check_multi_interp_extensions() in Python/import.c: the test
   * override (_imp._override_multi_interp_extensions_check) wins over the
   * interpreter's config flag. */
  PyInterpreterState *interp = PyInterpreterState_Get();
  int override = interp->imports.override_multi_interp_extensions_check;
  if (override < 0) return 0;
  if (override > 0) return 1;
  return (interp->feature_flags & Py_RTFLAGS_MULTI_INTERP_EXTENSIONS) != 0;
#else
  return 0;
#endif
}

void static_py_raise_in_thread(PyThreadState *target, PyObject *exc) {
  /* Nothing else sets async_exc on a thread while static-py runs a task
   * there, so there is no old value to drop. The eval breaker is per
   * interpreter before 3.13 (per runtime in 3.8) and per thread from 3.13;
   * setting it makes the target look at async_exc at its next check. */
#if PY_VERSION_HEX >= 0x030D0000
  (void)_Py_atomic_exchange_ptr(&target->async_exc, exc);
  _Py_set_eval_breaker_bit(target, _PY_ASYNC_EXCEPTION_BIT);
#else
  (void)__atomic_exchange_n(&target->async_exc, exc, __ATOMIC_ACQ_REL);
#if PY_VERSION_HEX >= 0x030A0000
  _PyEval_SignalAsyncExc(target->interp);
#elif PY_VERSION_HEX >= 0x03090000
  _PyEval_SignalAsyncExc(target);
#else
  _PyEval_SignalAsyncExc(&_PyRuntime.ceval);
#endif
#endif
}
