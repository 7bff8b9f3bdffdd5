// importlib's private parts static-py relies on, behind the wall
// (internals.h says what else is there):
//  * ModuleSpec's attributes: ModuleSpec(name, loader, origin=..,
//    is_package=..) runs __init__ in Python, on every import. The first spec
//    of each kind is made that way and its __dict__ kept as a template; the
//    rest are new instances given a copy of it (name and loader replaced,
//    the lists __init__ starts empty made afresh). 20.loader.test.ts holds
//    the two ways equal on every version.
//  * _bootstrap._load(spec): module_from_spec, sys.modules, exec_module,
//    and the clean-up of sys.modules when anything fails, as `import` does.
// Plain data, no constructor: it lives inside a Python object that CPython
// allocates (the finder), set up with Init() and let go with Clear().
#ifndef STATIC_PY_CPYTHON_MODULE_SPEC_FACTORY_H_
#define STATIC_PY_CPYTHON_MODULE_SPEC_FACTORY_H_

#include <Python.h>

namespace static_py {

class ModuleSpecFactory {
 public:
  // GIL held, in the interpreter whose ModuleSpec it makes. 0, or -1 with an exception.
  int Init();
  void Clear();

  // A ModuleSpec for `name` loaded by `loader`, from `origin` (a str or None).
  PyObject* Make(PyObject* name, PyObject* loader, PyObject* origin, bool is_package);

  // importlib's own _load(spec): the module, a new reference.
  static PyObject* Load(PyObject* spec);

 private:
  PyObject* spec_class_;    // importlib's ModuleSpec, of this interpreter
  PyObject* kwnames_;       // ("origin", "is_package"), made once
  PyObject* templates_[2];  // vars() of a spec ModuleSpec.__init__ made, by is_package; null until first use
};

}  // namespace static_py

#endif  // STATIC_PY_CPYTHON_MODULE_SPEC_FACTORY_H_
