/* The lab's init wrapper: the shared-library form of a user's module that
 * CPython's own loader (the lab's `dynamic` loader) imports, so that the
 * lab can count init calls without the module's cooperation. It defines
 * the module's init symbol, loads the real library once (RTLD_LOCAL, as
 * CPython would), and counts each call and the interpreter it ran in
 * before calling the real init function. static-py's lab reads the count
 * through static_py_lab_init_calls (native/lab/init_counter.cc).
 *
 * Compiled by scripts/lib/entry-libraries.mjs with
 *   STATIC_PY_LAB_SYMBOL  the init symbol (PyInit_x, or PyInitU_... for a non-ASCII name)
 *   STATIC_PY_LAB_REAL    the real library's path, a string literal
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>

#define STATIC_PY_LAB_STR2(x) #x
#define STATIC_PY_LAB_STR(x) STATIC_PY_LAB_STR2(x)

static long long calls;
static long long last_interpreter = -1;

__attribute__((visibility("default"))) void static_py_lab_init_calls(long long *count, long long *interpreter) {
  *count = __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
  *interpreter = __atomic_load_n(&last_interpreter, __ATOMIC_SEQ_CST);
}

PyMODINIT_FUNC STATIC_PY_LAB_SYMBOL(void) {
  static PyObject *(*real)(void);
  if (real == NULL) {
    void *handle = dlopen(STATIC_PY_LAB_REAL, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
      PyErr_Format(PyExc_ImportError, "static-py lab: cannot load %s: %s", STATIC_PY_LAB_REAL, dlerror());
      return NULL;
    }
    real = (PyObject * (*)(void)) dlsym(handle, STATIC_PY_LAB_STR(STATIC_PY_LAB_SYMBOL));
    if (real == NULL) {
      PyErr_Format(PyExc_ImportError, "static-py lab: %s defines no %s", STATIC_PY_LAB_REAL,
                   STATIC_PY_LAB_STR(STATIC_PY_LAB_SYMBOL));
      return NULL;
    }
  }
  __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
#if PY_VERSION_HEX >= 0x03090000
  __atomic_store_n(&last_interpreter, (long long)PyInterpreterState_GetID(PyInterpreterState_Get()), __ATOMIC_SEQ_CST);
#else
  __atomic_store_n(&last_interpreter, (long long)PyInterpreterState_GetID(PyThreadState_Get()->interp), __ATOMIC_SEQ_CST);
#endif
  return real();
}
