#include "env/env_state.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>

#include "interp/interpreter.h"
#include "loader/extension_cache.h"
#include "loader/package_context.h"
#include "loader/static_table.h"
#include "objects/py_object_handle.h"
#include "runtime/python_runtime.h"

// The build tag arrives as bare tokens (quotes do not survive gyp and make).
#define STATIC_PY_STRINGIFY_(x) #x
#define STATIC_PY_STRINGIFY(x) STATIC_PY_STRINGIFY_(x)

namespace static_py {
namespace {

// Which environment owns each live subinterpreter. Process-wide on purpose:
// it answers "this interpreter belongs to another thread" in any of them.
std::mutex g_owners_mutex;
std::map<int64_t, uint64_t>* g_owners = new std::map<int64_t, uint64_t>();
std::atomic<uint64_t> g_next_serial{1};

}  // namespace

EnvState::EnvState(Napi::Env env) : env_(env), serial_(g_next_serial++) {}

EnvState* EnvState::Create(Napi::Env env) {
  auto* state = new EnvState(env);
  // The environment owns the state: instance data is deleted after every
  // cleanup hook has run, so Cleanup() below always sees a live object.
  env.SetInstanceData<EnvState>(state);
  napi_add_env_cleanup_hook(env, &EnvState::Cleanup, state);

  Napi::Object global = env.Global();
  Napi::Function map = global.Get("Map").As<Napi::Function>();
  state->map_class_ = Napi::Persistent(map);
  state->map_set_ = Napi::Persistent(map.Get("prototype").As<Napi::Object>().Get("set").As<Napi::Function>());
  state->map_entries_ = Napi::Persistent(global.Get("Array").As<Napi::Object>().Get("from").As<Napi::Function>());
  state->object_prototype_ = Napi::Persistent(global.Get("Object").As<Napi::Object>().Get("prototype").As<Napi::Object>());
  Napi::Function symbol_for = global.Get("Symbol").As<Napi::Object>().Get("for").As<Napi::Function>();
  state->handle_key_ = Napi::Persistent(symbol_for.Call({Napi::String::New(env, "static-py.handle")}).As<Napi::Symbol>());
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
  std::vector<Interpreter*> interpreters = state->interpreters_;
  std::reverse(interpreters.begin(), interpreters.end());
  // Stop every busy async call first, so they stop competing for the GIL
  // that releasing each interpreter needs.
  for (Interpreter* interp : interpreters) interp->InterruptAsync();
  for (Interpreter* interp : interpreters) interp->ReleasePython();
  state->interpreters_.clear();
}

void EnvState::AddInterpreter(Interpreter* interp) {
  interpreters_.push_back(interp);
  if (interp->is_main()) {
    main_interpreter_ = interp;
    return;
  }
  owned_.push_back(Napi::Persistent(interp->Value()));
  std::lock_guard<std::mutex> lock(g_owners_mutex);
  (*g_owners)[interp->id()] = serial_;
}

void EnvState::RemoveInterpreter(Interpreter* interp) {
  interpreters_.erase(std::remove(interpreters_.begin(), interpreters_.end(), interp), interpreters_.end());
  if (interp->is_main()) return;
  {
    std::lock_guard<std::mutex> lock(g_owners_mutex);
    g_owners->erase(interp->id());
  }
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

Napi::Function EnvState::python_error_class() const {
  if (python_error_.IsEmpty()) throw std::logic_error("static-py: setup() was not called");
  return python_error_.Value();
}

Napi::Value EnvState::WrapHandle(Interpreter* owner, std::shared_ptr<ObjectRef> ref) {
  Napi::Object handle = PyObjectHandle::New(this, owner, std::move(ref));
  return wrap_handle_.Call({handle});
}

PyObjectHandle* EnvState::UnwrapHandle(Napi::Object obj) {
  Napi::Value inner = obj.Get(handle_key_.Value());
  if (!inner.IsObject()) return nullptr;
  Napi::Object candidate = inner.As<Napi::Object>();
  if (!candidate.InstanceOf(handle_class())) return nullptr;
  return PyObjectHandle::Unwrap(candidate);
}

bool EnvState::IsMap(Napi::Object obj) { return obj.InstanceOf(map_class_.Value()); }

bool EnvState::IsPlainObject(Napi::Object obj) {
  napi_value proto;
  if (napi_get_prototype(env_, obj, &proto) != napi_ok) return false;
  Napi::Value p(env_, proto);
  return p.IsNull() || p.StrictEquals(object_prototype_.Value());
}

Napi::Array EnvState::MapEntries(Napi::Object map) { return map_entries_.Call({map}).As<Napi::Array>(); }

Napi::Object EnvState::NewMap() { return map_class_.New({}); }

void EnvState::MapSet(Napi::Object map, Napi::Value key, Napi::Value value) { map_set_.Call(map, {key, value}); }

// setup(PythonError, wrapHandle): the TS layer hands over, once, the classes
// native code must instantiate.
Napi::Value EnvState::JSSetup(const Napi::CallbackInfo& info) {
  EnvState* state = From(info.Env());
  state->python_error_ = Napi::Persistent(info[0].As<Napi::Function>());
  state->wrap_handle_ = Napi::Persistent(info[1].As<Napi::Function>());
  return info.Env().Undefined();
}

// start({ executable, register, allocator, missingNames, onMainThread }): starts CPython if no environment has yet, and
// returns this environment's main Interpreter.
Napi::Value EnvState::JSStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = From(env);
  if (!state->main_.IsEmpty()) return state->main_.Value();
  RuntimeOptions options;
  Napi::Object opts = info[0].As<Napi::Object>();
  if (opts.Get("executable").IsString()) options.executable = opts.Get("executable").As<Napi::String>().Utf8Value();
  options.inittab = opts.Get("register").IsString() && opts.Get("register").As<Napi::String>().Utf8Value() == "inittab";
  options.on_calling_thread = opts.Get("onMainThread").ToBoolean().Value();
  if (opts.Get("allocator").IsString()) options.allocator = opts.Get("allocator").As<Napi::String>().Utf8Value();
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
  if (runtime->inittab() != options.inittab) {
    // Another environment (a worker, or the main thread) started Python first.
    throw Napi::Error::New(env, std::string("static-py: Python is already running with the static table served by ") +
                                    (runtime->inittab() ? "the inittab" : "the finder") +
                                    "; python.configure({ register }) must match in every thread of the process");
  }
  Napi::Object main = Interpreter::NewMain(state, runtime->main_interpreter());
  state->main_ = Napi::Persistent(main);
  return main;
}

// createInterpreter(config): config as built by lib/interpreter-options.ts.
Napi::Value EnvState::JSCreateInterpreter(const Napi::CallbackInfo& info) {
  EnvState* state = From(info.Env());
  if (state->main_interpreter_ == nullptr) throw Napi::Error::New(info.Env(), "static-py: Python has not started");
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

// configureLoader({ policy: 'cpython' | 'isolated', packageContext: boolean }):
// process-wide, before the first static module is imported.
Napi::Value EnvState::JSConfigureLoader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  if (o.Get("policy").IsString()) {
    std::string policy = o.Get("policy").As<Napi::String>().Utf8Value();
    CachePolicy wanted = policy == "isolated" ? CachePolicy::kIsolated : CachePolicy::kCPython;
    if (!ExtensionCache::SetPolicy(wanted)) {
      throw Napi::Error::New(env, "static-py: the loader policy is already '" +
                                      std::string(ExtensionCache::policy() == CachePolicy::kIsolated ? "isolated" : "cpython") +
                                      "' for this process (set it before the first static module is imported)");
    }
  }
  if (o.Get("packageContext").IsBoolean()) PackageContext::SetEnabled(o.Get("packageContext").As<Napi::Boolean>().Value());
  return env.Undefined();
}

// interpreter(id): one of this environment's interpreters.
Napi::Value EnvState::JSInterpreter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = From(env);
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  for (Interpreter* interp : state->interpreters_) {
    if (interp->id() == id) return interp->Value();
  }
  uint64_t owner = 0;
  {
    std::lock_guard<std::mutex> lock(g_owners_mutex);
    auto it = g_owners->find(id);
    if (it != g_owners->end()) owner = it->second;
  }
  if (owner != 0) {
    throw Napi::Error::New(env, "static-py: interpreter " + std::to_string(id) +
                                    " belongs to another thread (the worker or main thread that created it); "
                                    "an interpreter is used only where it was created: create one here with "
                                    "python.createInterpreter()");
  }
  throw Napi::Error::New(env, "static-py: there is no interpreter " + std::to_string(id) + " (closed, or never created)");
}

Napi::Value EnvState::JSInterpreters(const Napi::CallbackInfo& info) {
  EnvState* state = From(info.Env());
  Napi::Array out = Napi::Array::New(info.Env(), state->interpreters_.size());
  for (uint32_t i = 0; i < state->interpreters_.size(); i++) out.Set(i, state->interpreters_[i]->Value());
  return out;
}

// The version of the libpython this process runs, not of the headers the
// addon was compiled with: a cp311 prebuild made on 3.11.7 may run on
// 3.11.2. Py_GetVersion() is libpython's own PY_VERSION ("3.11.2 (main, ...",
// "3.14.0rc1 ..."), callable before Python starts.
Napi::Value EnvState::JSVersion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int major = 0, minor = 0, micro = 0, serial = 0, consumed = 0;
  char level[3] = "";
  const char* text = Py_GetVersion();
  sscanf(text, "%d.%d.%d%n", &major, &minor, &micro, &consumed);
  sscanf(text + consumed, "%2[abrc]%d", level, &serial);
  const std::string tag(level);
  const int hex_level = tag == "a" ? PY_RELEASE_LEVEL_ALPHA : tag == "b" ? PY_RELEASE_LEVEL_BETA
                        : tag == "rc" ? PY_RELEASE_LEVEL_GAMMA : PY_RELEASE_LEVEL_FINAL;
  Napi::Object v = Napi::Object::New(env);
  v.Set("major", major);
  v.Set("minor", minor);
  v.Set("micro", micro);
  v.Set("releaselevel", tag == "a" ? "alpha" : tag == "b" ? "beta" : tag == "rc" ? "candidate" : "final");
  v.Set("serial", serial);
  v.Set("hexversion", static_cast<double>((major << 24) | (minor << 16) | (micro << 8) | (hex_level << 4) | serial));
#ifdef Py_DEBUG
  v.Set("debug", true);
#else
  v.Set("debug", false);
#endif
  v.Set("sharedLibrary", STATIC_PY_LINK_STATIC == 0);
  v.Set("staticLibrary", STATIC_PY_LINK_STATIC != 0);
  v.Set("tag", STATIC_PY_STRINGIFY(STATIC_PY_BUILD_TAG));
  v.Set("started", PythonRuntime::Get() != nullptr);
  return v;
}

Napi::Value EnvState::JSStaticModules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  StaticTable::ForEachModule([&](const StaticModuleEntry& entry, InitKind kind) {
    Napi::Object m = Napi::Object::New(env);
    m.Set("name", Napi::String::New(env, StaticTable::Name(entry), entry.name_len));
    m.Set("initKind", InitKindName(kind));
    m.Set("symbol", StaticTable::Symbol(entry));
    out.Set(i++, m);
  });
  return out;
}

}  // namespace static_py
