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
#ifdef STATIC_PY_GIL_DROP_REQUEST_PER_INTERPRETER
#include "internal/pycore_gil.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
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

int static_py_set_running_main(int on) {
#if PY_VERSION_HEX >= 0x030C0000
  PyInterpreterState *interp = PyInterpreterState_Get();
  if (on) return _PyInterpreterState_SetRunningMain(interp);
  _PyInterpreterState_SetNotRunningMain(interp);
#else
  (void)on;
#endif
  return 0;
}

int static_py_interp_owns_obmalloc(PyInterpreterState *interp) {
#if PY_VERSION_HEX >= 0x030C0000
  return (interp->feature_flags & Py_RTFLAGS_USE_MAIN_OBMALLOC) == 0;
#else
  (void)interp;
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

#ifdef STATIC_PY_GIL_DROP_REQUEST_PER_INTERPRETER
typedef struct _gil_runtime_state gil_state;

const void *static_py_gil_of(PyInterpreterState *interp) {
#if PY_VERSION_HEX >= 0x030C0000
  return interp->ceval.gil;
#else
  (void)interp;
  return &_PyRuntime.ceval.gil;
#endif
}

int static_py_gil_locked(const void *gil) {
  return _Py_atomic_load_relaxed(&((gil_state *)gil)->locked) > 0;
}

unsigned long static_py_gil_switches(const void *gil) {
  return __atomic_load_n(&((const gil_state *)gil)->switch_number, __ATOMIC_RELAXED);
}

unsigned long static_py_gil_interval_us(const void *gil) {
  unsigned long us = __atomic_load_n(&((const gil_state *)gil)->interval, __ATOMIC_RELAXED);
  return us >= 1 ? us : 1;
}

void static_py_ask_gil_holder_to_drop(const void *gil) {
  /* The interpreter list is walked under the runtime's HEAD lock, which
   * PyInterpreterState_Delete also takes to unlink one before freeing it.
   * Only flags are written, as SET_GIL_DROP_REQUEST does: a request left on
   * an interpreter that does not hold the GIL is cleared by take_gil when a
   * thread of that interpreter next takes it. */
  PyThread_acquire_lock(_PyRuntime.interpreters.mutex, WAIT_LOCK);
  for (PyInterpreterState *i = _PyRuntime.interpreters.head; i != NULL; i = i->next) {
    if (static_py_gil_of(i) != gil) continue;
    _Py_atomic_store_relaxed(&i->ceval.gil_drop_request, 1);
    _Py_atomic_store_relaxed(&i->ceval.eval_breaker, 1);
  }
  PyThread_release_lock(_PyRuntime.interpreters.mutex);
}
#endif
