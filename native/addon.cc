// Module init and the export list; every binding lives in its class.
#include <cstdint>

#include <napi.h>

#include "env/build_report.h"
#include "env/env_state.h"
#include "env/loader_settings.h"
#include "env/python_bindings.h"
#include "interp/interpreter.h"
#include "lab/lab_probes.h"
#include "objects/py_object_handle.h"
#include "runtime/python_runtime.h"

namespace static_py {

// The calling convention between this addon and lib/ (lib/binding.ts,
// NATIVE_API): bumped with every change to either side's expectations, so a
// build made from older sources is refused with a clear message.
constexpr uint32_t kNativeApi = 4;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  PythonRuntime::KeepLoaded();
  PythonRuntime::LibpythonVersion();  // copied before any thread can start Python
  EnvState* state = EnvState::Create(env);
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  exports.Set("nativeApi", Napi::Number::New(env, kNativeApi));
  fn("setup", &PythonBindings::JSSetup);
  fn("start", &PythonBindings::JSStart);
  fn("createInterpreter", &PythonBindings::JSCreateInterpreter);
  fn("interpreter", &PythonBindings::JSInterpreter);
  fn("interpreters", &PythonBindings::JSInterpreters);
  fn("moduleNameProblem", &PythonBindings::JSModuleNameProblem);
  fn("version", &BuildReport::JSVersion);
  fn("staticModules", &BuildReport::JSStaticModules);
  fn("staticModuleKinds", &BuildReport::JSStaticModuleKinds);
  fn("configureLoader", &LoaderSettings::JSConfigure);
  fn("loaderSettings", &LoaderSettings::JSSettings);
  exports.Set("Interpreter", Interpreter::Init(env, state));
  exports.Set("PyObjectHandle", PyObjectHandle::Init(env, state));
  // Internal: the m_copy lab's probes, for lib/lab only.
  exports.Set("lab", LabProbes::Init(env));
  return exports;
}

}  // namespace static_py

static Napi::Object InitStaticPy(Napi::Env env, Napi::Object exports) { return static_py::Init(env, exports); }

NODE_API_MODULE(static_py, InitStaticPy)
