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
  const napi_valuetype kwargs_type = kwargs.Type();
  has_kwargs_ = kwargs_type == napi_object;
  // One typeof per argument (a Node-API call each), asked once.
  napi_valuetype types_few[kFewArguments];
  std::vector<napi_valuetype> types_many(count > kFewArguments ? count : 0);
  napi_valuetype* types = count > kFewArguments ? types_many.data() : types_few;
  for (size_t i = 0; i < count; i++) types[i] = info[first + 1 + i].Type();
  // Positional arguments are converted first, kwargs last. `quiet_from`:
  // the index from which converting every argument runs no JS.
  size_t quiet_from = count;
  if (!copy_bytes && !has_kwargs_) {
    while (quiet_from > 0 && JsConverter::RunsNoJs(info[first + quiet_from], types[quiet_from - 1])) quiet_from--;
  }
  if (count > kFewArguments) {
    many_.resize(count);
    args_ = many_.data();
  } else {
    args_ = reinterpret_cast<Value*>(few_);
  }
  try {
    for (size_t i = 0; i < count; i++) {
      // Default-initialised, not Value(): that would zero all of it first.
      if (args_ != many_.data()) new (&args_[i]) Value;
      count_ = i + 1;
      const bool borrow = !copy_bytes && i + 1 >= quiet_from && !has_kwargs_;
      js.FromJs(info[first + 1 + i], types[i], &args_[i], ConversionPath("args", i), borrow);
    }
    if (has_kwargs_) js.FromJs(kwargs, kwargs_type, &kwargs_, ConversionPath("kwargs"));
  } catch (...) {
    // A TypeError for an argument: no destructor runs for an object whose
    // constructor threw, so the Values made in few_ go here.
    DestroyFew();
    throw;
  }
}

CallArguments::~CallArguments() { DestroyFew(); }

void CallArguments::DestroyFew() {
  if (args_ != reinterpret_cast<Value*>(few_)) return;
  for (size_t i = 0; i < count_; i++) args_[i].~Value();
  count_ = 0;
}

PyObject* CallArguments::Call(PyObject* callable, const std::shared_ptr<ObjectRegistry>& registry) const {
  PyConverter py(registry, /*borrow_bytes=*/true);
  // A vectorcall: no tuple, and the slot before the first argument free for
  // the callee (PY_VECTORCALL_ARGUMENTS_OFFSET: a bound method puts self there).
  const size_t n = count_;
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
