// How call('a.b.c', ...) finds its callable: `a` from __main__'s globals,
// the builtins, sys.modules or an import, then attributes, importing
// submodules of packages that nobody imported yet, as Python code would.
//
// A call by name is static-py's hottest path, so each name's parts are kept
// as interned str objects of the interpreter after its first use: resolving
// it again creates no objects and hashes nothing.
//
// GIL: every method needs the GIL of the interpreter that owns the cache;
// Clear() before that interpreter ends (the strs are its objects). Two
// threads share the cache (the JS thread's sync calls and the executor's
// async ones), and Resolve() can let go of the GIL (an import, a
// __getattr__) while the other one fills the cache: so the cache is never
// emptied while a resolution is under way (resolving_ counts them), and a
// name's parts stay where they are until it is.
#ifndef STATIC_PY_INTERP_DOTTED_NAMES_H_
#define STATIC_PY_INTERP_DOTTED_NAMES_H_

#include <Python.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/py_ref.h"

namespace static_py {

class DottedNames {
 public:
  // The object `dotted` names: a new reference, or null with an exception.
  PyObject* Resolve(const std::string& dotted, PyObject* globals);
  void Clear() { parts_.clear(); }

 private:
  using Parts = std::vector<PyRef>;
  // The interned parts of `dotted`, or null with an exception.
  const Parts* PartsOf(const std::string& dotted);
  // After getattr(package, parts[i]) failed with AttributeError (pending):
  // the submodule parts[0..i], or null with the better error.
  static PyObject* ImportSubmodule(PyObject* package, const std::vector<PyRef>& parts, size_t i);

  // Bounded: a program that calls ever new names does not grow it for ever.
  static constexpr size_t kMaxNames = 4096;
  std::unordered_map<std::string, std::unique_ptr<const Parts>> parts_;
  int resolving_ = 0;
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_DOTTED_NAMES_H_
