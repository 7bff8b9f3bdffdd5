// The native half of the TS PyObject class: one strong reference to a
// Python object that does not convert to a JS value, plus the interpreter
// it belongs to. Every operation runs through Interpreter::Invoke.
#ifndef STATIC_PY_OBJECTS_PY_OBJECT_HANDLE_H_
#define STATIC_PY_OBJECTS_PY_OBJECT_HANDLE_H_

#include <napi.h>

#include <memory>

#include "objects/object_registry.h"

namespace static_py {

class EnvState;
class Interpreter;

class PyObjectHandle : public Napi::ObjectWrap<PyObjectHandle> {
 public:
  static Napi::Function Init(Napi::Env env, EnvState* state);
  static Napi::Object New(EnvState* state, Interpreter* owner, std::shared_ptr<ObjectRef> ref);

  explicit PyObjectHandle(const Napi::CallbackInfo& info);

  const std::shared_ptr<ObjectRef>& ref() const { return ref_; }

 private:
  // JS bindings
  Napi::Value JSRepr(const Napi::CallbackInfo& info);
  Napi::Value JSStr(const Napi::CallbackInfo& info);
  Napi::Value JSTypeName(const Napi::CallbackInfo& info);
  Napi::Value JSGetAttr(const Napi::CallbackInfo& info);
  Napi::Value JSCall(const Napi::CallbackInfo& info);
  Napi::Value JSIter(const Napi::CallbackInfo& info);
  Napi::Value JSNext(const Napi::CallbackInfo& info);
  Napi::Value JSRelease(const Napi::CallbackInfo& info);
  Napi::Value JSIsReleased(const Napi::CallbackInfo& info);

  // The object, or a JS Error if it was released or its interpreter closed.
  PyObject* Target(Napi::Env env) const;

  std::shared_ptr<ObjectRef> ref_;
  Interpreter* owner_ = nullptr;
  Napi::ObjectReference owner_ref_;  // keeps the Interpreter (and so its thread state) alive
};

}  // namespace static_py

#endif  // STATIC_PY_OBJECTS_PY_OBJECT_HANDLE_H_
