#include "convert/call_arguments.h"

#include <string>

#include "convert/js_converter.h"
#include "convert/py_converter.h"
#include "util/py_ref.h"

namespace static_py {

CallArguments::CallArguments(EnvState* state, Napi::Value args, Napi::Value kwargs, bool copy_bytes) {
  JsConverter js(state, copy_bytes);
  Napi::Array array = args.As<Napi::Array>();
  args_.resize(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) args_[i] = js.FromJs(array.Get(i), "args[" + std::to_string(i) + "]");
  has_kwargs_ = kwargs.IsObject();
  if (has_kwargs_) kwargs_ = js.FromJs(kwargs, "kwargs");
}

PyObject* CallArguments::Call(PyObject* callable, const std::shared_ptr<ObjectRegistry>& registry) const {
  PyConverter py(registry, /*borrow_bytes=*/true);
  PyRef tuple = PyRef::Steal(PyTuple_New(static_cast<Py_ssize_t>(args_.size())));
  if (!tuple) return nullptr;
  for (size_t i = 0; i < args_.size(); i++) {
    PyRef arg = py.ToPython(args_[i], "args[" + std::to_string(i) + "]");
    if (!arg) return nullptr;
    PyTuple_SET_ITEM(tuple.get(), static_cast<Py_ssize_t>(i), arg.release());
  }
  PyRef kw;
  if (has_kwargs_ && !(kw = py.ToPython(kwargs_, "kwargs"))) return nullptr;
  return PyObject_Call(callable, tuple.get(), kw.get());
}

}  // namespace static_py
