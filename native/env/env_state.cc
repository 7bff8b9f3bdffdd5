#include "env/env_state.h"

#include <algorithm>
#include <stdexcept>

#include "callbacks/callback_hub.h"
#include "interp/interpreter.h"
#include "objects/py_object_handle.h"
#include "runtime/process_state.h"

namespace static_py {

EnvState::EnvState(Napi::Env env)
    : env_(env), serial_(ProcessState::Get().NextEnvironmentSerial()), intrinsics_(env) {}

EnvState* EnvState::Create(Napi::Env env) {
  auto* state = new EnvState(env);
  // The environment owns the state: instance data is deleted after every
  // cleanup hook has run, so Cleanup() below always sees a live object.
  env.SetInstanceData<EnvState>(state);
  napi_add_env_cleanup_hook(env, &EnvState::Cleanup, state);
  state->callbacks_ = CallbackHub::Create(state);
  return state;
}

// Runs on the environment's own thread when it goes away (worker exit or
// process exit): no JS call can be in progress, so no Python call from this
// environment is either. Subinterpreters go first, the main interpreter's
// thread state last.
void EnvState::Cleanup(void* arg) {
  auto* state = static_cast<EnvState*>(arg);
  if (state->cleaned_up_) return;
  state->cleaned_up_ = true;
  // First: Python threads waiting for a JS function of this environment
  // get their RuntimeError and go on, and no JS function runs from now on.
  state->callbacks_->Shutdown();
  std::vector<Interpreter*> interpreters = state->interpreters_;
  std::reverse(interpreters.begin(), interpreters.end());
  // Stop every busy async call first, so they stop competing for the GIL
  // that releasing each interpreter needs.
  for (Interpreter* interp : interpreters) interp->InterruptAsync();
  for (Interpreter* interp : interpreters) interp->ReleasePython();
  // A subinterpreter still here could not be ended (ReleasePython says
  // why): it runs on without an environment, and says so when asked for.
  for (Interpreter* interp : state->interpreters_) {
    if (!interp->is_main()) ProcessState::Get().RemoveOwner(interp->id(), /*left_running=*/true);
  }
  state->interpreters_.clear();
}

void EnvState::AddInterpreter(Interpreter* interp) {
  interpreters_.push_back(interp);
  if (interp->is_main()) {
    main_interpreter_ = interp;
    main_ = Napi::Persistent(interp->Value());
    return;
  }
  owned_.push_back(Napi::Persistent(interp->Value()));
  ProcessState::Get().AddOwner(interp->id(), serial_);
}

void EnvState::RemoveInterpreter(Interpreter* interp) {
  interpreters_.erase(std::remove(interpreters_.begin(), interpreters_.end(), interp), interpreters_.end());
  if (interp->is_main()) return;
  ProcessState::Get().RemoveOwner(interp->id(), /*left_running=*/false);
  // Let the JS object go (cleanup drops the rest with the environment).
  if (!cleaned_up_) {
    for (auto it = owned_.begin(); it != owned_.end(); ++it) {
      if (it->Value() == interp->Value()) {
        owned_.erase(it);
        break;
      }
    }
  }
}

Interpreter* EnvState::FindInterpreter(int64_t id) const {
  for (Interpreter* interp : interpreters_) {
    if (interp->id() == id) return interp;
  }
  return nullptr;
}

void EnvState::set_lib_classes(Napi::Function python_error, Napi::Function wrap_handle) {
  python_error_ = Napi::Persistent(python_error);
  wrap_handle_ = Napi::Persistent(wrap_handle);
}

Napi::Function EnvState::python_error_class() const {
  if (python_error_.IsEmpty()) throw std::logic_error("static-py: setup() was not called");
  return python_error_.Value();
}

Napi::Value EnvState::WrapHandle(Interpreter* owner, std::shared_ptr<ObjectRef> ref) {
  Napi::Object handle = PyObjectHandle::New(this, owner, std::move(ref));
  return wrap_handle_.Call({handle});
}

PyObjectHandle* EnvState::UnwrapHandle(Napi::Object obj) {
  Napi::Value inner = obj.Get(intrinsics_.handle_key());
  if (!inner.IsObject()) return nullptr;
  Napi::Object candidate = inner.As<Napi::Object>();
  if (!candidate.InstanceOf(handle_class())) return nullptr;
  return PyObjectHandle::Unwrap(candidate);
}

}  // namespace static_py
