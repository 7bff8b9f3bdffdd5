// Module init and the export list; every binding lives in its class.
#include <cstdint>

#include <napi.h>

#include "env/env_state.h"
#include "interp/interpreter.h"
#include "objects/py_object_handle.h"
#include "runtime/python_runtime.h"

namespace static_py {

// The calling convention between this addon and lib/ (lib/binding.ts,
// NATIVE_API): bumped with every change to either side's expectations, so a
// build made from older sources is refused with a clear message.
constexpr uint32_t kNativeApi = 2;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  PythonRuntime::KeepLoaded();
  EnvState* state = EnvState::Create(env);
  exports.Set("nativeApi", Napi::Number::New(env, kNativeApi));
  exports.Set("setup", Napi::Function::New(env, &EnvState::JSSetup, "setup"));
  exports.Set("start", Napi::Function::New(env, &EnvState::JSStart, "start"));
  exports.Set("version", Napi::Function::New(env, &EnvState::JSVersion, "version"));
  exports.Set("staticModules", Napi::Function::New(env, &EnvState::JSStaticModules, "staticModules"));
  exports.Set("createInterpreter", Napi::Function::New(env, &EnvState::JSCreateInterpreter, "createInterpreter"));
  exports.Set("interpreter", Napi::Function::New(env, &EnvState::JSInterpreter, "interpreter"));
  exports.Set("configureLoader", Napi::Function::New(env, &EnvState::JSConfigureLoader, "configureLoader"));
  exports.Set("interpreters", Napi::Function::New(env, &EnvState::JSInterpreters, "interpreters"));
  exports.Set("Interpreter", Interpreter::Init(env, state));
  exports.Set("PyObjectHandle", PyObjectHandle::Init(env, state));
  return exports;
}

}  // namespace static_py

static Napi::Object InitStaticPy(Napi::Env env, Napi::Object exports) { return static_py::Init(env, exports); }

NODE_API_MODULE(static_py, InitStaticPy)
