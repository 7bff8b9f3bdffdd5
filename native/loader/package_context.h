// The package context for single-phase init: while a module's init function
// runs, PyModule_Create with def->m_name "sub" must produce a module named
// "pkg.sub" when it is being imported as pkg.sub (pybind11's def_submodule
// then derives "pkg.sub.child" from that name). CPython's dynamic loader
// sets this context; its builtin/inittab path does not.
//
// How we set it, per version:
//  * 3.8-3.11: the exported global _Py_PackageContext, saved and restored
//    around the call exactly as the dynamic loader does.
//  * 3.12+: the context moved into the runtime (3.12) and then into a static
//    thread-local in import.c (3.13), behind the unexported
//    _PyImport_SwapPackageContext. We do not patch CPython; instead the addon
//    is linked with -Wl,--wrap=PyModule_Create2, so every call to
//    PyModule_Create2 from code linked into the addon (the static
//    extensions, including prebuilt archives such as PyO3's) reaches
//    __wrap_PyModule_Create2 below. It consumes our own thread-local context
//    with CPython's rule (the context applies once, to the first module
//    whose m_name equals its last component) and renames the new module.
//    We chose this over pointing CPython's own extension loader at the
//    addon file because that loader finds init functions by the symbol
//    PyInit_<last component>, which cannot tell a.util from b.util.
//    Init functions outside the addon (options.symbol resolved with dlsym
//    from another library) do not pass through the wrapper; for those the
//    loader renames the returned module itself, but submodules they create
//    during init keep the short prefix.
#ifndef STATIC_PY_LOADER_PACKAGE_CONTEXT_H_
#define STATIC_PY_LOADER_PACKAGE_CONTEXT_H_

#include <Python.h>

#include "loader/static_table_data.h"

namespace static_py {

class PackageContext {
 public:
  // Calls `initfunc` with the context set to `fullname` (UTF-8), unless the
  // context is switched off. Returns what `initfunc` returned; *consumed
  // tells whether a PyModule_Create2 call picked the context up.
  static PyObject* CallInit(const char* fullname, StaticInitFunc initfunc, bool* consumed);

  // Whether the context is set at all (ProcessState; LoaderSettings turns it
  // off to reproduce a loader that drops it, seed 000: pybind11 submodules
  // break). Process-wide; on by default.
  static bool enabled();

  // For __wrap_PyModule_Create2: the full name to give a module whose def
  // says `short_name`, or null; clears the context when it applies.
  static const char* Consume(const char* short_name);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_PACKAGE_CONTEXT_H_
