// Positional and keyword arguments for a Python call made from JS:
// converted from JS on the JS thread, turned into a call with the GIL held.
#ifndef STATIC_PY_CONVERT_CALL_ARGUMENTS_H_
#define STATIC_PY_CONVERT_CALL_ARGUMENTS_H_

#include <Python.h>
#include <napi.h>

#include <memory>
#include <vector>

#include "convert/value.h"

namespace static_py {

class EnvState;

class CallArguments {
 public:
  // From a native method's own arguments, starting at `first`: kwargs (a
  // plain object, or null/undefined), then the positional arguments. Passed
  // that way, not as an array, because reading an array's elements through
  // Node-API costs more than the rest of a small call.
  // `copy_bytes`: always copy Buffers (async calls). Otherwise an argument
  // that is itself a Buffer or typed array is borrowed when nothing
  // converted after it can run JS (JsConverter::FromJs says why).
  // Throws JS TypeErrors naming the argument.
  CallArguments(EnvState* state, const Napi::CallbackInfo& info, size_t first, bool copy_bytes);
  ~CallArguments();
  CallArguments(const CallArguments&) = delete;
  CallArguments& operator=(const CallArguments&) = delete;

  // GIL held: calls `callable`; new reference or null with an exception set.
  PyObject* Call(PyObject* callable, const std::shared_ptr<ObjectRegistry>& registry) const;

 private:
  // Up to this many positional arguments are converted into storage inside
  // the object (no allocation: a sync call's arguments live on its stack),
  // and passed to the call without allocating either.
  static constexpr size_t kFewArguments = 8;
  void DestroyFew();
  size_t count_ = 0;
  Value* args_ = nullptr;  // few_ or many_.data(); count_ of them constructed
  alignas(Value) unsigned char few_[kFewArguments * sizeof(Value)];
  std::vector<Value> many_;
  Value kwargs_;
  bool has_kwargs_ = false;
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_CALL_ARGUMENTS_H_
