/* static-py's init-function import API, for embedders.
 *
 * Creates extension modules from their init functions the way CPython's own
 * dynamic extension loader does, on every CPython from 3.8: the same checks
 * and error messages, the same single-phase caching (m_copy, re-init,
 * PyState_FindModule), and the package context that gives a single-phase
 * module registered as "pkg.sub" the __name__ "pkg.sub". It is what
 * CPython 3.15 calls PyImport_CreateModuleFromInitfunc, without the cases
 * that API gets wrong (gh-157384): single-phase submodules get their full
 * name, multi-phase modules may have non-ASCII names, and names that CPython
 * would serve from its inittab are refused with an ImportError.
 *
 * All functions need the GIL, and return a new reference or NULL with an
 * exception set (or -1 / 0 for the int ones). */
#ifndef STATIC_PY_IMPORT_H_
#define STATIC_PY_IMPORT_H_

#include <Python.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported even from code compiled with -fvisibility=hidden. */
#define STATIC_PY_API __attribute__((visibility("default")))

typedef PyObject *(*StaticPy_InitFunc)(void);

/* Creates the module for `spec` (a ModuleSpec; its name is the module's full
 * name) from `initfunc`. Multi-phase: a new module, not yet executed (call
 * StaticPy_ExecModule). Single-phase: the finished module, already in
 * sys.modules, as a dynamic extension would be. A single-phase module
 * imported before comes from the extension cache instead of a new call to
 * `initfunc`, exactly where CPython's loader would do the same. */
STATIC_PY_API PyObject *StaticPy_CreateModuleFromInitfunc(PyObject *spec, StaticPy_InitFunc initfunc);

/* Runs the exec slots of a module made by StaticPy_CreateModuleFromInitfunc
 * (nothing for single-phase modules, or for a module already executed). */
STATIC_PY_API int StaticPy_ExecModule(PyObject *module);

/* The whole import, as `import fullname` would do it if `initfunc` were the
 * module's loader: parents imported first, sys.modules, module attributes,
 * exec, and the parent's attribute. A module already in sys.modules is
 * returned as it is. */
STATIC_PY_API PyObject *StaticPy_ImportByInitFunc(const char *fullname, StaticPy_InitFunc initfunc);

#ifdef __cplusplus
}
#endif

#endif /* STATIC_PY_IMPORT_H_ */
