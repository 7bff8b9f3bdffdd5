#include "convert/call_arguments.h"

#include <string>

#include "convert/js_converter.h"
#include "convert/py_converter.h"
#include "cpython/compat.h"
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
  // A vectorcall: no tuple, and the slot before the first argument free for
  // the callee (PY_VECTORCALL_ARGUMENTS_OFFSET: a bound method puts self there).
  const size_t n = args_.size();
  const bool few = n <= kFewArguments;
  PyRef owned_few[kFewArguments];
  PyObject* slots_few[kFewArguments + 1];
  std::vector<PyRef> owned_many(few ? 0 : n);
  std::vector<PyObject*> slots_many(few ? 0 : n + 1);
  PyRef* owned = few ? owned_few : owned_many.data();
  PyObject** slots = few ? slots_few : slots_many.data();
  for (size_t i = 0; i < n; i++) {
    owned[i] = py.ToPython(args_[i], ConversionPath("args", i));
    if (!owned[i]) return nullptr;
    slots[i + 1] = owned[i].get();
  }
  PyRef kw;
  if (has_kwargs_ && !(kw = py.ToPython(kwargs_, ConversionPath("kwargs")))) return nullptr;
  return compat::VectorcallDict(callable, slots + 1, n | PY_VECTORCALL_ARGUMENTS_OFFSET, kw.get());
}

}  // namespace static_py
