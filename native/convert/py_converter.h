// Python side of the conversion: Value -> Python object and back. Every
// method needs the GIL of `interp_` (thread_state_guard.h, rule 2).
#ifndef STATIC_PY_CONVERT_PY_CONVERTER_H_
#define STATIC_PY_CONVERT_PY_CONVERTER_H_

#include <Python.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "convert/conversion_path.h"
#include "convert/value.h"
#include "util/py_ref.h"

namespace static_py {

class PyConverter {
 public:
  // `registry` holds the opaque objects this converter hands out, and only
  // objects from it are accepted back. `borrow_bytes`: Python -> Value may
  // point into bytes objects (immutable) instead of copying; the caller
  // keeps the converted object alive for as long as the Value is read
  // (borrowed() tells whether it must). The converter lives on the stack of
  // a call that holds `registry` for longer, so it keeps a reference, not a
  // copy (two atomic operations less on every call).
  PyConverter(const std::shared_ptr<ObjectRegistry>& registry, bool borrow_bytes)
      : registry_(registry), borrow_bytes_(borrow_bytes) {}
  PyConverter(const PyConverter&) = delete;
  PyConverter& operator=(const PyConverter&) = delete;

  // Returns a new reference, or null with a Python exception set
  // (TypeError naming the path for objects of another interpreter).
  PyRef ToPython(const Value& value, ConversionPath path = ConversionPath("argument"));
  // Runs no Python code. Containers that repeat themselves or nest too deep
  // stay opaque at that point. Returns false with an exception set only on
  // allocation failure.
  bool FromPython(PyObject* obj, Value* out);
  // Whether a Value made so far points into a Python bytes object.
  bool borrowed() const { return borrowed_; }

 private:
  bool FromPythonAt(PyObject* obj, Value* out, std::vector<PyObject*>* stack);
  PyRef ToPythonAt(const Value& value, ConversionPath* path);

  const std::shared_ptr<ObjectRegistry>& registry_;
  bool borrow_bytes_;
  bool borrowed_ = false;
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_PY_CONVERTER_H_
