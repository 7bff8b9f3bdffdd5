#define Py_BUILD_CORE_MODULE 1
#include "cpython/internals.h"

#include <stddef.h>

#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_import.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_moduleobject.h"
#include "internal/pycore_pyerrors.h"
#include "internal/pycore_pystate.h"
#endif
#include "internal/pycore_ceval.h"
#if PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#else
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
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

const char *static_py_swap_package_context(const char *context) {
#if PY_VERSION_HEX < 0x030C0000
  const char *previous = _Py_PackageContext;
  _Py_PackageContext = context;
  return previous;
#else
  (void)context;
  return NULL;
#endif
}

int static_py_check_singlephase_allowed(const char *name) {
#if PY_VERSION_HEX >= 0x030D0000
  /* Mirrors check_multi_interp_extensions() in Python/import.c, which 3.13
   * no longer exports: the test override
   * (_imp._override_multi_interp_extensions_check) wins over the
   * interpreter's config flag. */
  PyInterpreterState *interp = PyInterpreterState_Get();
  int override = interp->imports.override_multi_interp_extensions_check;
  int refuse = override > 0 || (override == 0 && (interp->feature_flags & Py_RTFLAGS_MULTI_INTERP_EXTENSIONS) != 0);
  if (!refuse) return 0;
  PyErr_Format(PyExc_ImportError, "module %s does not support loading in subinterpreters", name);
  return -1;
#elif PY_VERSION_HEX >= 0x030C0000
  return _PyImport_CheckSubinterpIncompatibleExtensionAllowed(name);
#else
  (void)name;
  return 0;
#endif
}

void static_py_raise_unreported(const char *short_name) {
#if PY_VERSION_HEX >= 0x030C0000
  _PyErr_FormatFromCause(PyExc_SystemError, "initialization of %s raised unreported exception", short_name);
#else
  PyErr_Clear();
  PyErr_Format(PyExc_SystemError, "initialization of %s raised unreported exception", short_name);
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

PyObject *static_py_def_copy(PyModuleDef *def) { return def->m_base.m_copy; }

void static_py_def_set_copy(PyModuleDef *def, PyObject *copy) { Py_XSETREF(def->m_base.m_copy, copy); }

PyObject *(*static_py_def_init(PyModuleDef *def))(void) { return def->m_base.m_init; }

void static_py_def_set_init(PyModuleDef *def, PyObject *(*init)(void)) { def->m_base.m_init = init; }

#if PY_VERSION_HEX < 0x030D0000
int static_py_fixup_extension(PyObject *module, PyObject *name) {
  return _PyImport_FixupExtensionObject(module, name, name, PyImport_GetModuleDict());
}
#if PY_VERSION_HEX < 0x030B0000
PyObject *static_py_find_extension(PyObject *name) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  return _PyImport_FindExtensionObject(name, name);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}
#endif
#endif

/* FNV-1a over the offsets and sizes the functions of this file depend on. */
static uint64_t mix(uint64_t hash, uint64_t value) {
  for (int i = 0; i < 8; i++) {
    hash ^= (value >> (8 * i)) & 0xff;
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t static_py_layout_signature(void) {
  uint64_t h = 14695981039346656037ull;
  h = mix(h, PY_VERSION_HEX >> 16); /* major.minor: layouts of other minors never compare equal */
  h = mix(h, offsetof(PyModuleDef, m_base) + offsetof(PyModuleDef_Base, m_copy));
  h = mix(h, offsetof(PyModuleDef_Base, m_init));
  h = mix(h, offsetof(PyThreadState, async_exc));
  h = mix(h, offsetof(PyThreadState, interp));
  /* The structures whole, for what inline functions of the internal headers
   * (the eval breaker's) reach inside them. */
  h = mix(h, sizeof(PyThreadState));
  h = mix(h, sizeof(PyInterpreterState));
  h = mix(h, sizeof(_PyRuntimeState));
#if PY_VERSION_HEX >= 0x030C0000
  h = mix(h, offsetof(PyModuleObject, md_dict));
  h = mix(h, offsetof(PyModuleObject, md_name));
  h = mix(h, offsetof(PyCFunctionObject, m_module));
  h = mix(h, offsetof(PyCFunctionObject, m_self));
  h = mix(h, offsetof(PyInterpreterState, feature_flags));
  h = mix(h, offsetof(PyInterpreterState, imports.override_multi_interp_extensions_check));
#endif
#if PY_VERSION_HEX >= 0x030D0000
  h = mix(h, offsetof(PyThreadState, eval_breaker));
#endif
#ifdef STATIC_PY_GIL_DROP_REQUEST_PER_INTERPRETER
  h = mix(h, offsetof(struct _gil_runtime_state, locked));
  h = mix(h, offsetof(struct _gil_runtime_state, switch_number));
  h = mix(h, offsetof(struct _gil_runtime_state, interval));
  h = mix(h, offsetof(PyInterpreterState, ceval.gil_drop_request));
  h = mix(h, offsetof(PyInterpreterState, ceval.eval_breaker));
  h = mix(h, offsetof(PyInterpreterState, next));
  h = mix(h, offsetof(struct pyruntimestate, interpreters.mutex));
  h = mix(h, offsetof(struct pyruntimestate, interpreters.head));
#if PY_VERSION_HEX >= 0x030C0000
  h = mix(h, offsetof(PyInterpreterState, ceval.gil));
#else
  h = mix(h, offsetof(struct pyruntimestate, ceval.gil));
#endif
#endif
  return h;
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
