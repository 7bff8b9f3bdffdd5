#include "objects/py_object_handle.h"

#include <string>

#include "convert/call_arguments.h"
#include "env/env_state.h"
#include "interp/interpreter.h"
#include "util/py_ref.h"

namespace static_py {

Napi::Function PyObjectHandle::Init(Napi::Env env, EnvState* state) {
  Napi::Function cls = DefineClass(env, "PyObjectHandle",
                                   {
                                       InstanceMethod<&PyObjectHandle::JSRepr>("repr"),
                                       InstanceMethod<&PyObjectHandle::JSStr>("str"),
                                       InstanceMethod<&PyObjectHandle::JSTypeName>("typeName"),
                                       InstanceMethod<&PyObjectHandle::JSGetAttr>("getattr"),
                                       InstanceMethod<&PyObjectHandle::JSCall>("call"),
                                       InstanceMethod<&PyObjectHandle::JSIter>("iter"),
                                       InstanceMethod<&PyObjectHandle::JSNext>("next"),
                                       InstanceMethod<&PyObjectHandle::JSRelease>("release"),
                                       InstanceAccessor<&PyObjectHandle::JSIsReleased>("released"),
                                   });
  state->set_handle_class(cls);
  return cls;
}

PyObjectHandle::PyObjectHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PyObjectHandle>(info) {
  const auto* owner = EnvState::From(info.Env())->BirthArgs<Interpreter*>(EnvState::Birth::kHandle);
  if (owner == nullptr) {
    throw Napi::TypeError::New(info.Env(), "PyObject handles come from Python results, not from `new`");
  }
  owner_ = *owner;
  owner_ref_ = Napi::Persistent(owner_->Value());
}

Napi::Object PyObjectHandle::New(EnvState* state, Interpreter* owner, std::shared_ptr<ObjectRef> ref) {
  Napi::Object obj = state->Construct(state->handle_class(), EnvState::Birth::kHandle, owner);
  Unwrap(obj)->ref_ = std::move(ref);
  return obj;
}

PyObject* PyObjectHandle::Target(Napi::Env env) const {
  // Checked before the thread state is attached: the errors are JS objects.
  owner_->CheckUsable(env);
  if (!ref_ || ref_->get() == nullptr) {
    throw Napi::Error::New(env, "this PyObject was released and can no longer be used");
  }
  return ref_->get();
}

// JS bindings --------------------------------------------------------------

Napi::Value PyObjectHandle::JSRepr(const Napi::CallbackInfo& info) {
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&] { return PyObject_Repr(target); });
}

Napi::Value PyObjectHandle::JSStr(const Napi::CallbackInfo& info) {
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&] { return PyObject_Str(target); });
}

Napi::Value PyObjectHandle::JSTypeName(const Napi::CallbackInfo& info) {
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&]() -> PyObject* {
    PyObject* type = reinterpret_cast<PyObject*>(Py_TYPE(target));
    PyRef module = PyRef::Steal(PyObject_GetAttrString(type, "__module__"));
    PyRef qualname = PyRef::Steal(PyObject_GetAttrString(type, "__qualname__"));
    if (!qualname) return nullptr;
    if (!module || !PyUnicode_Check(module.get()) || PyUnicode_CompareWithASCIIString(module.get(), "builtins") == 0) {
      PyErr_Clear();
      return qualname.release();
    }
    return PyUnicode_FromFormat("%U.%U", module.get(), qualname.get());
  });
}

Napi::Value PyObjectHandle::JSGetAttr(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&]() -> PyObject* {
    PyRef key = PyRef::Steal(PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size())));
    return key ? PyObject_GetAttr(target, key.get()) : nullptr;
  });
}

// call(kwargs: object | null, ...args)
Napi::Value PyObjectHandle::JSCall(const Napi::CallbackInfo& info) {
  CallArguments args(EnvState::From(info.Env()), info, 0, /*copy_bytes=*/false);
  // After the arguments: their getters may have released this handle.
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&] { return args.Call(target, owner_->registry()); });
}

Napi::Value PyObjectHandle::JSIter(const Napi::CallbackInfo& info) {
  PyObject* target = Target(info.Env());
  return owner_->Invoke(info.Env(), [&] { return PyObject_GetIter(target); });
}

// The next item, or undefined once the iterator is exhausted (no Python
// value converts to undefined, and no StopIteration is raised for it).
Napi::Value PyObjectHandle::JSNext(const Napi::CallbackInfo& info) {
  bool exhausted = false;
  PyObject* target = Target(info.Env());
  Napi::Value item = owner_->Invoke(info.Env(), [&]() -> PyObject* {
    PyObject* next = PyIter_Next(target);
    if (next != nullptr || PyErr_Occurred()) return next;
    exhausted = true;
    Py_RETURN_NONE;
  });
  return exhausted ? info.Env().Undefined() : item;
}

Napi::Value PyObjectHandle::JSRelease(const Napi::CallbackInfo& info) {
  if (!ref_ || ref_->get() == nullptr) return info.Env().Undefined();
  // Drop the reference now, with the thread state attached, so __del__ and
  // weakref callbacks run before release() returns.
  owner_->Invoke(info.Env(), [&]() -> PyObject* {
    ref_.reset();
    owner_->registry()->Drain();
    Py_RETURN_NONE;
  });
  return info.Env().Undefined();
}

Napi::Value PyObjectHandle::JSIsReleased(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !ref_ || ref_->get() == nullptr);
}

}  // namespace static_py
