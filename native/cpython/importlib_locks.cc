#include "cpython/importlib_locks.h"

#include "util/py_ref.h"

namespace static_py {
namespace {

// The object a weakref points to, a new reference, or null (dead, or not a
// weakref; no exception either way).
PyObject* Referent(PyObject* ref) {
  if (!PyWeakref_Check(ref)) return nullptr;
#if PY_VERSION_HEX >= 0x030D0000
  PyObject* obj = nullptr;
  if (PyWeakref_GetRef(ref, &obj) < 0) PyErr_Clear();
  return obj;
#else
  PyObject* obj = PyWeakref_GetObject(ref);  // borrowed
  if (obj == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  if (obj == Py_None) return nullptr;
  Py_INCREF(obj);
  return obj;
#endif
}

}  // namespace

int ImportlibLocks::Init(PyObject* bootstrap) {
  module_locks_ = PyObject_GetAttrString(bootstrap, "_module_locks");
  lock_class_ = module_locks_ ? PyObject_GetAttrString(bootstrap, "_ModuleLock") : nullptr;
  if (lock_class_ == nullptr) return -1;
  if (!PyDict_Check(module_locks_)) {
    PyErr_SetString(PyExc_RuntimeError, "static-py: importlib._bootstrap._module_locks is not a dict");
    return -1;
  }
  return 0;
}

void ImportlibLocks::Clear() {
  Py_CLEAR(module_locks_);
  Py_CLEAR(lock_class_);
}

int ImportlibLocks::Traverse(visitproc visit, void* arg) {
  Py_VISIT(module_locks_);
  Py_VISIT(lock_class_);
  return 0;
}

int ImportlibLocks::Exists(PyObject* name) {
  PyObject* ref = PyDict_GetItemWithError(module_locks_, name);  // borrowed
  if (ref == nullptr) return PyErr_Occurred() ? -1 : 0;
  PyObject* lock = Referent(ref);
  Py_XDECREF(lock);
  return lock != nullptr;
}

PyObject* ImportlibLocks::New(PyObject* name) { return PyObject_CallFunctionObjArgs(lock_class_, name, nullptr); }

PyObject* ImportlibLocks::HoldFor(PyObject* held, PyObject* name, unsigned long owner, int depth) {
  PyRef lock = PyRef::Borrow(held);
  PyObject* ref = PyDict_GetItemWithError(module_locks_, name);
  if (ref == nullptr && PyErr_Occurred()) return nullptr;
  if (ref != nullptr) {
    if (PyObject* existing = Referent(ref)) return existing;
  }
  PyRef tid = PyRef::Steal(PyLong_FromUnsignedLong(owner));
  PyRef count = PyRef::Steal(PyObject_GetAttrString(lock.get(), "count"));
  if (!tid || !count || PyObject_SetAttrString(lock.get(), "owner", tid.get()) < 0) return nullptr;
  if (PyList_Check(count.get())) {  // 3.12+
    for (int i = 0; i < depth; i++) {
      if (PyList_Append(count.get(), Py_True) < 0) return nullptr;
    }
  } else {
    PyRef n = PyRef::Steal(PyLong_FromLong(depth));
    if (!n || PyObject_SetAttrString(lock.get(), "count", n.get()) < 0) return nullptr;
  }
  // No callback: importlib's own one only drops the dead entry, and
  // _get_module_lock() replaces a dead entry when it meets one.
  PyRef weak = PyRef::Steal(PyWeakref_NewRef(lock.get(), nullptr));
  if (!weak || PyDict_SetItem(module_locks_, name, weak.get()) < 0) return nullptr;
  return lock.release();
}

}  // namespace static_py
