/* The wall: every private structure, private field and unexported or
 * internal function of CPython that static-py touches is reached through
 * the plain C functions below (internals.c), and nowhere else. The internal
 * headers are C-only and need Py_BUILD_CORE, hence C. Each function says why
 * no public API fits.
 *
 * Checked on: pyenv's 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1, 3.13.0 and
 * 3.14.7, and Debian's 3.11.2 (release and Py_DEBUG), by the whole suite on
 * each (npm run test:matrix). Which layout each release has is recorded in
 * native/cpython/checked_layouts.json (scripts/check-layouts.mjs makes it
 * from every CPython on the machine; a test keeps it true), and a build
 * loaded with a patch release whose layout it was not checked on refuses to
 * start (lib/layouts.ts), rather than read the wrong offsets.
 *
 *   what                                   private part                                 versions
 *   -------------------------------------  -------------------------------------------  ---------
 *   rename a new module (package context)  PyModuleObject.md_name, md_dict;              3.12+
 *                                          PyCFunctionObject.m_module
 *   package context                        _Py_PackageContext (exported global)          3.8-3.11
 *   single-phase refused here?             interp->imports.override_multi_interp_        3.12+
 *                                          extensions_check, interp->feature_flags;
 *                                          _PyImport_CheckSubinterpIncompatible-
 *                                          ExtensionAllowed (exported, 3.12)
 *   own allocator?                         interp->feature_flags                         3.12+
 *   "unreported exception" chained         _PyErr_FormatFromCause (exported)             3.12+
 *   raise in a busy thread, no GIL         PyThreadState.async_exc; eval breaker          all
 *                                          (_PyEval_SignalAsyncExc,
 *                                          _Py_set_eval_breaker_bit)
 *   the GIL nudger                         _gil_runtime_state (locked, switch_number,    3.9-3.12
 *                                          interval); interp->ceval.gil,
 *                                          gil_drop_request, eval_breaker;
 *                                          _PyRuntime.interpreters (mutex, head)
 *   "running main"                         _PyInterpreterState_SetRunningMain,           3.12+
 *                                          _SetNotRunningMain (exported)
 *   CPython's extension cache              PyModuleDef.m_base.m_copy and m_init;         all
 *                                          _PyImport_FindExtensionObject,                3.8-3.10
 *                                          _PyImport_FixupExtensionObject (exported)     3.8-3.12
 *   layout signature                       offsets of all of the above                   all
 *
 * Elsewhere in this folder, the same wall for the rest:
 * module_spec_factory.h (ModuleSpec's attributes, importlib._bootstrap's
 * _load), importlib_locks.h (importlib's per-module _ModuleLock, made held
 * for another thread), compat.h (private names of the C API before they became public,
 * PyThreadState's fields where 3.8 has no accessor, the private legacy
 * config macro) and cpython_extension_cache.h (CPython's own extension
 * cache, reproduced per version).
 */
#ifndef STATIC_PY_CPYTHON_INTERNALS_H_
#define STATIC_PY_CPYTHON_INTERNALS_H_

#include <Python.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Gives `module` (just made by PyModule_Create2) the name `fullname`:
 * __name__, the module's own name slot, and the __module__ of the functions
 * PyModule_Create2 added from the def. Used on 3.12+ where the package
 * context cannot be set (package_context.h). 0, or -1 with an exception. */
int static_py_rename_new_module(PyObject *module, PyObject *fullname);

/* 3.8-3.11: sets CPython's package context (the exported global
 * _Py_PackageContext, which the dynamic loader sets around an init
 * function) and returns the previous one. NULL: PyModule_Create2 consumed
 * it. Does nothing and returns NULL from 3.12, where it is unreachable. */
const char *static_py_swap_package_context(const char *context);

/* 0 when the current interpreter allows single-phase init modules, else -1
 * with CPython's ImportError "module <name> does not support loading in
 * subinterpreters" (check_multi_interp_extensions, not exported from 3.13).
 * Always 0 before 3.12. */
int static_py_check_singlephase_allowed(const char *name);

/* Sets SystemError "initialization of <short_name> raised unreported
 * exception", chaining the pending exception as its __cause__ on 3.12+, as
 * CPython's loader does. */
void static_py_raise_unreported(const char *short_name);

/* 3.12+: marks the current interpreter as running its __main__ program
 * with the current thread state (on != 0), or no longer (on == 0), as
 * Py_RunMain does for the main interpreter. CPython's interpreter modules
 * refuse to end or run code in a running interpreter. 0, or -1 with an
 * exception (it is running already). Does nothing before 3.12. */
int static_py_set_running_main(int on);

/* Whether `interp` has an object allocator of its own (3.12+ isolated
 * interpreters), so that objects made in another interpreter must not be
 * freed in it. 0 before 3.12. */
int static_py_interp_owns_obmalloc(PyInterpreterState *interp);

/* Asks `target`, running Python on another thread, to raise `exc` (a
 * reference the target will own) at its next check for pending work. Needs
 * no GIL, which is the point: PyThreadState_SetAsyncExc needs the GIL that
 * the busy target and every other thread sharing it compete for, and the
 * old GIL can starve the asking thread for seconds (before 3.12 a GIL drop
 * request only reaches threads of the requester's own interpreter). */
void static_py_raise_in_thread(PyThreadState *target, PyObject *exc);

/* A single-phase def's shared slots: its m_copy (borrowed; NULL when there
 * is none) and its m_init. CPython keeps them in PyModuleDef_Base, which
 * extensions only ever initialise with PyModuleDef_HEAD_INIT. */
PyObject *static_py_def_copy(PyModuleDef *def);
void static_py_def_set_copy(PyModuleDef *def, PyObject *copy); /* steals `copy`; drops the old one */
PyObject *(*static_py_def_init(PyModuleDef *def))(void);
void static_py_def_set_init(PyModuleDef *def, PyObject *(*init)(void));

#if PY_VERSION_HEX < 0x030D0000
/* CPython's own extension cache, keyed (name, filename); static-py passes
 * the name for both, as for a built-in. Exported up to 3.12. Fixup: 0, or
 * -1 with an exception. Find (3.8-3.10 only): a borrowed module, or NULL. */
int static_py_fixup_extension(PyObject *module, PyObject *name);
#if PY_VERSION_HEX < 0x030B0000
PyObject *static_py_find_extension(PyObject *name);
#endif
#endif

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

/* A signature of the layout of every private structure above, as the
 * headers this addon was compiled with define it: two CPython releases with
 * the same signature put every field static-py reads at the same offset. */
uint64_t static_py_layout_signature(void);

#ifdef __cplusplus
}
#endif

#endif /* STATIC_PY_CPYTHON_INTERNALS_H_ */
