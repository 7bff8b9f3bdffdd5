/* Force-included (-include) into C that Cython generated, so that Cython
 * 0.29.x (Debian bookworm's cython3 is 0.29.32) builds for CPython 3.13,
 * whose private API it calls changed after that release. Newer Cython
 * releases made the same changes in the code they generate; with them these
 * definitions are unused. The generated code's other uses of CPython
 * internals are switched off with Cython's own CYTHON_* macros (see
 * scripts/lib/cython.mjs). */
#include <Python.h>

#if PY_VERSION_HEX >= 0x030D0000
/* 3.13 added a with_exceptions argument. */
#define _PyLong_AsByteArray(v, bytes, n, little_endian, is_signed) \
  _PyLong_AsByteArray(v, bytes, n, little_endian, is_signed, 1)
/* 3.13 removed the macro; the public function exists since 3.9. */
#define _PyGC_FINALIZED(o) PyObject_GC_IsFinalized(o)
#endif
