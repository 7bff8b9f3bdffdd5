#include "convert/call_arguments.h"

#include <string>

#include "convert/js_converter.h"
#include "cpython/compat.h"
#include "convert/py_converter.h"
#include "util/py_ref.h"

namespace static_py {

CallArguments::CallArguments(EnvState* state, const Napi::CallbackInfo& info, size_t first, bool copy_bytes) {
  JsConverter js(state);
  const size_t count = info.Length() > first + 1 ? info.Length() - first - 1 : 0;
  Napi::Value kwargs = info[first];
  has_kwargs_ = kwargs.IsObject();
  // Positional arguments are converted first, kwargs last. `quiet_from`:
  // the index from which converting every argument runs no JS.
  size_t quiet_from = count;
  if (!copy_bytes && !has_kwargs_) {
    while (quiet_from > 0 && JsConverter::RunsNoJs(info[first + quiet_from])) quiet_from--;
  }
  args_.reserve(count);
  for (size_t i = 0; i < count; i++) {
    const bool borrow = !copy_bytes && i + 1 >= quiet_from && !has_kwargs_;
    args_.push_back(js.FromJs(info[first + 1 + i], ConversionPath("args", i), borrow));
  }
  if (has_kwargs_) kwargs_ = js.FromJs(kwargs, ConversionPath("kwargs"));
}

PyObject* CallArguments::Call(PyObject* callable, const std::shared_ptr<ObjectRegistry>& registry) const {
  PyConverter py(registry, /*borrow_bytes=*/true);
  if (has_kwargs_) {
    PyRef tuple = PyRef::Steal(PyTuple_New(static_cast<Py_ssize_t>(args_.size())));
    if (!tuple) return nullptr;
    for (size_t i = 0; i < args_.size(); i++) {
      PyRef arg = py.ToPython(args_[i], ConversionPath("args", i));
      if (!arg) return nullptr;
      PyTuple_SET_ITEM(tuple.get(), static_cast<Py_ssize_t>(i), arg.release());
    }
    PyRef kw = py.ToPython(kwargs_, ConversionPath("kwargs"));
    return kw ? PyObject_Call(callable, tuple.get(), kw.get()) : nullptr;
  }
  // Positional only, the common call: a vectorcall, with no tuple, and the
  // slot before the first argument free for the callee
  // (PY_VECTORCALL_ARGUMENTS_OFFSET: a bound method puts self there).
  const size_t n = args_.size();
  PyRef few[kFewArguments + 1];
  std::vector<PyRef> many(n > kFewArguments ? n + 1 : 0);
  PyRef* refs = n > kFewArguments ? many.data() : few;
  PyObject* slots_few[kFewArguments + 1];
  std::vector<PyObject*> slots_many(n > kFewArguments ? n + 1 : 0);
  PyObject** slots = n > kFewArguments ? slots_many.data() : slots_few;
  slots[0] = nullptr;
  for (size_t i = 0; i < n; i++) {
    refs[i + 1] = py.ToPython(args_[i], ConversionPath("args", i));
    if (!refs[i + 1]) return nullptr;
    slots[i + 1] = refs[i + 1].get();
  }
  return compat::Vectorcall(callable, slots + 1, n | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
}

}  // namespace static_py
