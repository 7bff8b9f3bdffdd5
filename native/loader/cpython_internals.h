/* The few CPython internals static-py needs, behind plain C functions.
 * They live in one C file (cpython_internals.c) because the internal
 * headers are C-only and need Py_BUILD_CORE; each function says why no
 * public API fits. */
#ifndef STATIC_PY_LOADER_CPYTHON_INTERNALS_H_
#define STATIC_PY_LOADER_CPYTHON_INTERNALS_H_

#include <Python.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Gives `module` (just made by PyModule_Create2) the name `fullname`:
 * __name__, the module's own name slot, and the __module__ of the functions
 * PyModule_Create2 added from the def. Used on 3.12+ where the package
 * context cannot be set (package_context.h). 0, or -1 with an exception. */
int static_py_rename_new_module(PyObject *module, PyObject *fullname);

/* Whether the current interpreter refuses single-phase init modules
 * (CPython's check_multi_interp_extensions, not exported in 3.13):
 * 1 refuse, 0 allow. Always 0 before 3.12. */
int static_py_interp_refuses_singlephase(void);

/* 3.12+: marks the current interpreter as running its __main__ program
 * with the current thread state (on != 0), or no longer (on == 0), as
 * Py_RunMain does for the main interpreter. CPython's interpreter modules
 * refuse to end or run code in a running interpreter. 0, or -1 with an
 * exception (it is running already). Not public. Does nothing before 3.12. */
int static_py_set_running_main(int on);

/* Whether `interp` has an object allocator of its own (3.12+ isolated
 * interpreters), so that objects made in another interpreter must not be
 * freed in it. Not public: the interpreter's feature flags. 0 before 3.12. */
int static_py_interp_owns_obmalloc(PyInterpreterState *interp);

/* Asks `target`, running Python on another thread, to raise `exc` (a
 * reference the target will own) at its next check for pending work. Needs
 * no GIL, which is the point: PyThreadState_SetAsyncExc needs the GIL that
 * the busy target and every other thread sharing it compete for, and the
 * old GIL can starve the asking thread for seconds (before 3.12 a GIL drop
 * request only reaches threads of the requester's own interpreter). */
void static_py_raise_in_thread(PyThreadState *target, PyObject *exc);

#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030D0000
/* 3.9-3.12: a thread waiting for a GIL asks only its own interpreter to let
 * go of it (SET_GIL_DROP_REQUEST(tstate->interp)), so a holder running in
 * another interpreter that shares the GIL never hears it. 3.8 had one request
 * for the whole runtime; 3.13 sends it to the holder's thread. The functions
 * below let runtime/gil_nudger.h make up for it. */
#define STATIC_PY_GIL_DROP_REQUEST_PER_INTERPRETER 1

/* The GIL `interp` runs under: an opaque key, equal for interpreters that
 * share one. Before 3.12 all share the runtime's; from 3.12 an interpreter
 * has its own or shares the main interpreter's. */
const void *static_py_gil_of(PyInterpreterState *interp);
/* Whether some thread holds `gil`, and how many times it has changed hands;
 * read without locks, as CPython's own waiters do. */
int static_py_gil_locked(const void *gil);
unsigned long static_py_gil_switches(const void *gil);
/* sys.getswitchinterval() of `gil`, in microseconds. */
unsigned long static_py_gil_interval_us(const void *gil);
/* Sets the drop request on every interpreter running under `gil`, so the
 * holder lets go at its next eval-breaker check, whatever its interpreter.
 * The caller must then wait for `gil` itself (gil_nudger.h says why). */
void static_py_ask_gil_holder_to_drop(const void *gil);
#endif

/* Exported by libpython but declared only in its internal headers. */
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
/* 3.12's own check for single-phase modules in isolated interpreters. */
PyAPI_FUNC(int) _PyImport_CheckSubinterpIncompatibleExtensionAllowed(const char *name);
#endif
#if PY_VERSION_HEX >= 0x030C0000
/* Raise `exception` with the pending exception as its __cause__, as the
 * 3.12+ loader does for "raised unreported exception". */
PyAPI_FUNC(PyObject *) _PyErr_FormatFromCause(PyObject *exception, const char *format, ...);
#endif

#ifdef __cplusplus
}
#endif

#endif /* STATIC_PY_LOADER_CPYTHON_INTERNALS_H_ */
