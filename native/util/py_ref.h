// Owned references to Python objects. A PyRef holds one strong reference and
// drops it in its destructor, so the thread must hold the GIL of the
// interpreter that owns the object wherever a PyRef is destroyed or reset.
#ifndef STATIC_PY_UTIL_PY_REF_H_
#define STATIC_PY_UTIL_PY_REF_H_

#include <Python.h>

#include <utility>

namespace static_py {

// One strong reference. Move-only; Steal() adopts a new reference,
// Borrow() takes a new one from a borrowed pointer.
class PyRef {
 public:
  PyRef() = default;
  ~PyRef() { Py_XDECREF(obj_); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  PyRef(PyRef&& other) noexcept : obj_(other.release()) {}
  PyRef& operator=(PyRef&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }

  static PyRef Steal(PyObject* obj) { return PyRef(obj); }
  static PyRef Borrow(PyObject* obj) {
    Py_XINCREF(obj);
    return PyRef(obj);
  }

  PyObject* get() const { return obj_; }
  explicit operator bool() const { return obj_ != nullptr; }
  // Gives up ownership: the caller now owns the reference.
  PyObject* release() { return std::exchange(obj_, nullptr); }
  void reset(PyObject* obj = nullptr) { Py_XDECREF(std::exchange(obj_, obj)); }

 private:
  explicit PyRef(PyObject* obj) : obj_(obj) {}
  PyObject* obj_ = nullptr;
};

}  // namespace static_py

#endif  // STATIC_PY_UTIL_PY_REF_H_
