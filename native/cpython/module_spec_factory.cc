#include "cpython/module_spec_factory.h"

#include "cpython/compat.h"
#include "util/py_ref.h"

namespace static_py {

int ModuleSpecFactory::Init() {
  spec_class_ = kwnames_ = templates_[0] = templates_[1] = nullptr;
  PyRef bootstrap = PyRef::Steal(PyImport_ImportModule("_frozen_importlib"));
  PyRef spec_class = bootstrap ? PyRef::Steal(PyObject_GetAttrString(bootstrap.get(), "ModuleSpec")) : PyRef();
  PyRef kwnames = spec_class ? PyRef::Steal(Py_BuildValue("(ss)", "origin", "is_package")) : PyRef();
  if (!kwnames) return -1;
  spec_class_ = spec_class.release();
  kwnames_ = kwnames.release();
  return 0;
}

void ModuleSpecFactory::Clear() {
  Py_CLEAR(spec_class_);
  Py_CLEAR(kwnames_);
  Py_CLEAR(templates_[0]);
  Py_CLEAR(templates_[1]);
}

PyObject* ModuleSpecFactory::Make(PyObject* name, PyObject* loader, PyObject* origin, bool is_package) {
  PyObject*& templ = templates_[is_package ? 1 : 0];
  if (templ == nullptr) {
    PyObject* args[] = {name, loader, origin, is_package ? Py_True : Py_False};
    PyRef spec = PyRef::Steal(compat::Vectorcall(spec_class_, args, 2, kwnames_));
    PyRef attrs = spec ? PyRef::Steal(PyObject_GetAttrString(spec.get(), "__dict__")) : PyRef();
    if (!attrs) return nullptr;
    templ = PyDict_Copy(attrs.get());
    // The template must not refer to the loader that owns it: loader ->
    // template -> loader is a cycle the (untracked) finder never leaves, and
    // it would keep every subinterpreter's finder and ModuleSpec class alive.
    // The key stays, for the same attribute order; each copy sets it.
    if (templ == nullptr || PyDict_SetItemString(templ, "loader", Py_None) < 0) return nullptr;
    return spec.release();
  }
  auto* type = reinterpret_cast<PyTypeObject*>(spec_class_);
  PyRef empty = PyRef::Steal(PyTuple_New(0));
  PyRef spec = empty ? PyRef::Steal(type->tp_new(type, empty.get(), nullptr)) : PyRef();
  PyRef attrs = spec ? PyRef::Steal(PyDict_Copy(templ)) : PyRef();
  if (!attrs || PyDict_SetItemString(attrs.get(), "name", name) < 0 || PyDict_SetItemString(attrs.get(), "loader", loader) < 0) {
    return nullptr;
  }
  PyObject *key, *value;
  for (Py_ssize_t pos = 0; PyDict_Next(templ, &pos, &key, &value);) {
    if (!PyList_CheckExact(value)) continue;
    PyRef fresh = PyRef::Steal(PyList_New(0));
    if (!fresh || PyDict_SetItem(attrs.get(), key, fresh.get()) < 0) return nullptr;
  }
  if (PyObject_SetAttrString(spec.get(), "__dict__", attrs.get()) < 0) return nullptr;
  return spec.release();
}

PyObject* ModuleSpecFactory::Load(PyObject* spec) {
  PyRef bootstrap = PyRef::Steal(PyImport_ImportModule("_frozen_importlib"));
  return bootstrap ? PyObject_CallMethod(bootstrap.get(), "_load", "O", spec) : nullptr;
}

}  // namespace static_py
