#include "env/python_bindings.h"

#include <stdexcept>
#include <string>

#include "env/env_state.h"
#include "interp/interpreter.h"
#include "loader/module_names.h"
#include "runtime/process_state.h"
#include "runtime/python_runtime.h"

namespace static_py {
namespace {

std::string StringOption(Napi::Object options, const char* key) {
  Napi::Value v = options.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

}  // namespace

Napi::Value PythonBindings::JSSetup(const Napi::CallbackInfo& info) {
  EnvState::From(info.Env())->set_lib_classes(info[0].As<Napi::Function>(), info[1].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value PythonBindings::JSStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = EnvState::From(env);
  if (state->main_interpreter() != nullptr) return state->main_object();
  RuntimeOptions options;
  Napi::Object opts = info[0].As<Napi::Object>();
  options.executable = StringOption(opts, "executable");
  const std::string registration = StringOption(opts, "register");
  options.registration = registration == "inittab"  ? Registration::kInittab
                         : registration == "finder" ? Registration::kFinder
                                                    : Registration::kFast;
  options.on_calling_thread = opts.Get("onMainThread").ToBoolean().Value();
  options.allocator = StringOption(opts, "allocator");
  options.huge_page_arenas = opts.Get("hugePages").ToBoolean().Value();
  options.fault_point = StringOption(opts, "faultPoint");
  if (opts.Get("missingNames").IsArray()) {
    Napi::Array pairs = opts.Get("missingNames").As<Napi::Array>();
    for (uint32_t i = 0; i < pairs.Length(); i++) {
      Napi::Array pair = pairs.Get(i).As<Napi::Array>();
      options.missing_names.emplace_back(pair.Get(0u).As<Napi::String>().Utf8Value(),
                                         pair.Get(1u).As<Napi::String>().Utf8Value());
    }
  }
  PythonRuntime* runtime;
  try {
    runtime = &PythonRuntime::Start(options);
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(env, e.what());
  }
  const Registration running = ProcessState::Get().registration();
  if (running != options.registration) {
    // Another environment (a worker, or the main thread) started Python first.
    throw Napi::Error::New(env, std::string("static-py: Python is already running with register: '") +
                                    RegistrationName(running) +
                                    "'; python.configure({ register }) must match in every thread of the process");
  }
  return Interpreter::NewMain(state, runtime->main_interpreter());
}

Napi::Value PythonBindings::JSCreateInterpreter(const Napi::CallbackInfo& info) {
  EnvState* state = EnvState::From(info.Env());
  if (state->main_interpreter() == nullptr) throw Napi::Error::New(info.Env(), "static-py: Python has not started");
  Napi::Object o = info[0].As<Napi::Object>();
  auto flag = [&](const char* key) { return o.Get(key).ToBoolean().Value(); };
  InterpreterConfig config;
  config.legacy = flag("legacy");
  config.use_main_obmalloc = flag("useMainObmalloc");
  config.allow_fork = flag("allowFork");
  config.allow_exec = flag("allowExec");
  config.allow_threads = flag("allowThreads");
  config.allow_daemon_threads = flag("allowDaemonThreads");
  config.check_multi_interp_extensions = flag("checkMultiInterpExtensions");
  std::string gil = o.Get("gil").ToString().Utf8Value();
  config.gil = gil == "own" ? 2 : gil == "shared" ? 1 : 0;
  return Interpreter::NewSub(state, config);
}

Napi::Value PythonBindings::JSInterpreter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = EnvState::From(env);
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  if (Interpreter* interp = state->FindInterpreter(id)) return interp->Value();
  const std::string which = "static-py: interpreter " + std::to_string(id);
  switch (ProcessState::Get().OwnerOf(id, state->serial())) {
    case ProcessState::Owner::kOther:
      throw Napi::Error::New(env, which + " belongs to another thread (the worker or main thread that created it); "
                                          "an interpreter is used only where it was created: create one here with "
                                          "python.createInterpreter()");
    case ProcessState::Owner::kLeftRunning:
      throw Napi::Error::New(env, which + " was left running when the thread that created it went away (it still ran "
                                          "threads Py_EndInterpreter cannot wait for); no thread can use it any more");
    case ProcessState::Owner::kNone:
      break;
  }
  throw Napi::Error::New(env, "static-py: there is no interpreter " + std::to_string(id) + " (closed, or never created)");
}

Napi::Value PythonBindings::JSInterpreters(const Napi::CallbackInfo& info) {
  EnvState* state = EnvState::From(info.Env());
  const auto& interpreters = state->interpreters();
  Napi::Array out = Napi::Array::New(info.Env(), interpreters.size());
  for (uint32_t i = 0; i < interpreters.size(); i++) out.Set(i, interpreters[i]->Value());
  return out;
}

Napi::Value PythonBindings::JSModuleNameProblem(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const char* problem = ModuleNameProblem(name);
  return problem != nullptr ? Napi::String::New(info.Env(), problem) : info.Env().Null();
}

}  // namespace static_py
