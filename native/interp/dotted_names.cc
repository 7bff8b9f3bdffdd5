#include "interp/dotted_names.h"

namespace static_py {

const DottedNames::Parts* DottedNames::PartsOf(const std::string& dotted) {
  auto found = parts_.find(dotted);
  if (found != parts_.end()) return found->second.get();
  auto parts = std::make_unique<Parts>();
  for (size_t begin = 0;;) {
    size_t end = dotted.find('.', begin);
    if (end == std::string::npos) end = dotted.size();
    PyObject* part = PyUnicode_FromStringAndSize(dotted.data() + begin, static_cast<Py_ssize_t>(end - begin));
    if (part == nullptr) return nullptr;
    PyUnicode_InternInPlace(&part);
    parts->push_back(PyRef::Steal(part));
    if (end == dotted.size()) break;
    begin = end + 1;
  }
  if (parts_.size() >= kMaxNames && resolving_ == 0) parts_.clear();
  return parts_.emplace(dotted, std::move(parts)).first->second.get();
}

PyObject* DottedNames::ImportSubmodule(PyObject* package, const std::vector<PyRef>& parts, size_t i) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyObject* found = nullptr;
  if (PyModule_Check(package) && PyObject_HasAttrString(package, "__path__")) {
    PyRef dot = PyRef::Steal(PyUnicode_FromString("."));
    PyRef prefix = PyRef::Steal(PyList_New(0));
    bool ok = dot && prefix;
    for (size_t j = 0; ok && j <= i; j++) ok = PyList_Append(prefix.get(), parts[j].get()) == 0;
    PyRef name = ok ? PyRef::Steal(PyUnicode_Join(dot.get(), prefix.get())) : PyRef();
    found = name ? PyImport_Import(name.get()) : nullptr;
    if (found == nullptr && PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) PyErr_Clear();
  }
  if (found != nullptr || PyErr_Occurred()) {
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
  } else {
    PyErr_Restore(type, value, tb);  // no such submodule either: the AttributeError says it best
  }
  return found;
}

PyObject* DottedNames::Resolve(const std::string& dotted, PyObject* globals) {
  // Python code can run below (an import, a __getattr__), and resolve other
  // names: `parts` must outlive it.
  struct Resolving {
    int* count;
    ~Resolving() { --*count; }
  } resolving{&++resolving_};
  const Parts* parts = PartsOf(dotted);
  if (parts == nullptr) return nullptr;
  PyObject* first = (*parts)[0].get();
  PyRef obj = PyRef::Borrow(PyDict_GetItemWithError(globals, first));
  if (!obj && !PyErr_Occurred()) obj = PyRef::Borrow(PyDict_GetItemWithError(PyEval_GetBuiltins(), first));
  if (!obj && !PyErr_Occurred()) {
    if (parts->size() == 1) {
      PyErr_Format(PyExc_NameError, "name '%U' is not defined", first);
      return nullptr;
    }
    // Already imported: sys.modules, as `import a` would find it.
    obj = PyRef::Steal(PyImport_GetModule(first));
    if (!obj && !PyErr_Occurred()) obj = PyRef::Steal(PyImport_Import(first));
  }
  if (!obj) return nullptr;
  for (size_t i = 1; i < parts->size(); i++) {
    PyRef next = PyRef::Steal(PyObject_GetAttr(obj.get(), (*parts)[i].get()));
    if (!next) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
      next = PyRef::Steal(ImportSubmodule(obj.get(), *parts, i));
      if (!next) return nullptr;
    }
    obj = std::move(next);
  }
  return obj.release();
}

}  // namespace static_py
