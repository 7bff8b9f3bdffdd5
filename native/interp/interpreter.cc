#include "interp/interpreter.h"

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "callbacks/callback_hub.h"
#include "convert/js_converter.h"
#include "convert/py_converter.h"
#include "cpython/compat.h"
#include "env/env_state.h"
#include "interp/async_call.h"
#include "interp/executor.h"
#include "loader/extension_cache.h"
#include "loader/init_symbol.h"
#include "loader/static_finder.h"
#include "loader/static_table.h"
#include "runtime/fault_injection.h"
#include "runtime/gil_nudger.h"
#include "runtime/python_runtime.h"
#include "runtime/thread_state_guard.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

// A JS string argument as UTF-8, in one Node-API call when it is short (a
// dotted name on every call()); Napi::String::Utf8Value makes two.
std::string Utf8Argument(const Napi::Value& value) {
  char buffer[256];
  size_t length = 0;
  napi_status status = napi_get_value_string_utf8(value.Env(), value, buffer, sizeof buffer, &length);
  NAPI_THROW_IF_FAILED(value.Env(), status, std::string());
  // Truncation stops before a whole character, up to 4 bytes short of the end.
  if (length + 4 < sizeof buffer) return std::string(buffer, length);
  return value.As<Napi::String>().Utf8Value();
}

// What interp.import() reports: a dict that converts to PyModuleInfo.
PyObject* DescribeModule(PyObject* module, const std::string& requested) {
  PyRef info = PyRef::Steal(PyDict_New());
  if (!info) return nullptr;
  auto set = [&](const char* key, PyObject* value) {
    PyRef v = PyRef::Steal(value);
    if (!v) {
      PyErr_Clear();
      v = PyRef::Borrow(Py_None);
    }
    return PyDict_SetItemString(info.get(), key, v.get()) == 0;
  };
  PyRef spec = PyRef::Steal(PyObject_GetAttrString(module, "__spec__"));
  if (!spec) PyErr_Clear();
  PyRef loader = spec && spec.get() != Py_None ? PyRef::Steal(PyObject_GetAttrString(spec.get(), "loader")) : PyRef();
  if (!loader) PyErr_Clear();
  std::string kind = StaticFinder::LoaderKind(loader.get());
  bool ok = set("name", PyUnicode_FromString(requested.c_str())) &&
            set("__name__", PyObject_GetAttrString(module, "__name__")) &&
            set("file", PyObject_GetAttrString(module, "__file__")) &&
            set("origin", spec && spec.get() != Py_None ? PyObject_GetAttrString(spec.get(), "origin") : nullptr) &&
            set("loader", PyUnicode_FromString(kind.c_str())) &&
            set("isPackage", PyBool_FromLong(PyObject_HasAttrString(module, "__path__")));
  return ok ? info.release() : nullptr;
}

PyObject* RunCode(const std::string& code, int start, const char* filename, PyObject* globals) {
  if (code.find('\0') != std::string::npos) {
    PyErr_SetString(PyExc_ValueError, "source code string cannot contain null bytes");
    return nullptr;
  }
  PyRef compiled = PyRef::Steal(Py_CompileStringExFlags(code.c_str(), filename, start, nullptr, -1));
  if (!compiled) return nullptr;
  return PyEval_EvalCode(compiled.get(), globals, globals);
}

// Runs before Py_EndInterpreter, with the interpreter's thread state
// attached: nothing of ours may outlive it.
void DropEverything(void* arg) {
  auto* registry = static_cast<ObjectRegistry*>(arg);
  registry->CloseAll();
  ExtensionCache::Active().ForgetCurrentInterpreter();
}

}  // namespace

PythonException::Source PyRequest::source() const {
  if (kind == Kind::kExec) return {"<exec>", &text};
  if (kind == Kind::kEval) return {"<eval>", &text};
  return {};
}

Napi::Function Interpreter::Init(Napi::Env env, EnvState* state) {
  Napi::Function cls = DefineClass(env, "Interpreter",
                                   {
                                       InstanceMethod<&Interpreter::JSExec>("exec"),
                                       InstanceMethod<&Interpreter::JSEval>("eval"),
                                       InstanceMethod<&Interpreter::JSImport>("import"),
                                       InstanceMethod<&Interpreter::JSImportByInitFunc>("importByInitFunc"),
                                       InstanceMethod<&Interpreter::JSExecAsync>("execAsync"),
                                       InstanceMethod<&Interpreter::JSEvalAsync>("evalAsync"),
                                       InstanceMethod<&Interpreter::JSCallAsync>("callAsync"),
                                       InstanceMethod<&Interpreter::JSClose>("close"),
                                       InstanceAccessor<&Interpreter::JSGetId>("id"),
                                       InstanceAccessor<&Interpreter::JSGetIsMain>("isMain"),
                                       InstanceAccessor<&Interpreter::JSGetClosed>("closed"),
                                   });
  state->set_interpreter_class(cls);
  return cls;
}

namespace {

struct InterpreterArgs {
  PyThreadState* tstate;
  PyObject* globals;
  bool main;
};

// __main__.__dict__ of `tstate`'s interpreter (borrowed: it lives as long
// as the interpreter), or null with `*error` set.
PyObject* MainGlobals(PyThreadState* tstate, std::optional<PythonException>* error) {
  ThreadStateGuard guard(tstate);
  PyObject* main = FaultInjected("PyImport_AddModule:__main__") ? PyErr_NoMemory() : PyImport_AddModule("__main__");
  PyObject* globals = main != nullptr ? PyModule_GetDict(main) : nullptr;
  if (globals == nullptr) error->emplace(PythonException::Fetch());
  return globals;
}

}  // namespace

Interpreter::Interpreter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Interpreter>(info) {
  state_ = EnvState::From(info.Env());
  const auto* args = state_->BirthArgs<InterpreterArgs>(EnvState::Birth::kInterpreter);
  if (args == nullptr) {
    throw Napi::TypeError::New(info.Env(), "Interpreter objects come from python.main and python.createInterpreter()");
  }
  tstate_ = args->tstate;
  globals_ = args->globals;
  main_ = args->main;
  interp_ = compat::InterpreterOf(tstate_);
  id_ = PyInterpreterState_GetID(interp_);
  registry_ = std::make_shared<ObjectRegistry>(id_);
  // call() is a function of this object's own that finds the Interpreter
  // through its data pointer: ObjectWrap's unwrap (a private-symbol lookup)
  // costs ~30 ns, 7 % of a small call. The function keeps the object alive
  // (a property of its own), so it can never reach a deleted Interpreter.
  Napi::Env env = info.Env();
  Napi::Object self = info.This().As<Napi::Object>();
  Napi::Function call = Napi::Function::New(env, &Interpreter::JSCallBound, "call", this);
  call.DefineProperty(Napi::PropertyDescriptor::Value(Napi::Symbol::New(env, "static-py interpreter"), self, napi_default));
  self.DefineProperty(Napi::PropertyDescriptor::Value("call", call, napi_default));
}

Napi::Value Interpreter::JSCallBound(const Napi::CallbackInfo& info) {
  return static_cast<Interpreter*>(info.Data())->JSCall(info);
}

Napi::Object Interpreter::NewMain(EnvState* state, PyInterpreterState* interp) {
  Napi::Env env = state->env();
  // This environment's own thread state for the main interpreter: the one
  // Python started with, when it started on this thread (Node's main
  // thread), else a new one, which may be made without holding the GIL.
  PythonRuntime* runtime = PythonRuntime::Get();
  PyThreadState* tstate = runtime->LendInitialThreadState();
  if (tstate == nullptr) tstate = NewThreadState(interp, "PyThreadState_New:main");
  if (tstate == nullptr) {
    throw Napi::Error::New(env, "static-py: CPython could not make a thread state for this thread in the main "
                                "interpreter (out of memory)");
  }
  std::optional<PythonException> error;
  PyObject* globals = MainGlobals(tstate, &error);
  if (globals == nullptr) {
    if (!runtime->GiveBackInitialThreadState(tstate)) {
      PyEval_RestoreThread(tstate);
      PyThreadState_Clear(tstate);
      PyThreadState_DeleteCurrent();
    }
    throw error->ToJs(state);
  }
  Napi::Object obj = state->Construct(state->interpreter_class(), EnvState::Birth::kInterpreter,
                                      InterpreterArgs{tstate, globals, true});
  state->AddInterpreter(Unwrap(obj));
  return obj;
}

Napi::Object Interpreter::NewSub(EnvState* state, const InterpreterConfig& config) {
  Napi::Env env = state->env();
  std::string why;
  PyThreadState* main_tstate = state->main_interpreter()->tstate_;
  PyThreadState* tstate = Subinterpreter::Create(main_tstate, config, &why);
  if (tstate == nullptr) throw Napi::Error::New(env, "static-py: CPython refused to create the interpreter: " + why);
  std::optional<PythonException> error;
  PyObject* globals = MainGlobals(tstate, &error);
  if (globals == nullptr) {
    Subinterpreter::End(tstate, main_tstate, nullptr, nullptr);
    throw error->ToJs(state);
  }
  Napi::Object obj = state->Construct(state->interpreter_class(), EnvState::Birth::kInterpreter,
                                      InterpreterArgs{tstate, globals, false});
  state->AddInterpreter(Unwrap(obj));
  return obj;
}

void Interpreter::CheckUsable(Napi::Env env) const {
  if (closed_) throw Napi::Error::New(env, "static-py: interpreter " + std::to_string(id_) + " is closed");
}

PyObject* Interpreter::Execute(const PyRequest& request) {
  switch (request.kind) {
    case PyRequest::Kind::kExec:
      return RunCode(request.text, Py_file_input, "<exec>", globals_);
    case PyRequest::Kind::kEval:
      return RunCode(request.text, Py_eval_input, "<eval>", globals_);
    case PyRequest::Kind::kCall: {
      PyRef callable = PyRef::Steal(names_.Resolve(request.text, globals_));
      const CallArguments* args = request.args != nullptr ? request.args : request.owned_args.get();
      return callable ? args->Call(callable.get(), registry_) : nullptr;
    }
    case PyRequest::Kind::kImport: {
      // Sized, so a name with a NUL can never be looked up truncated.
      PyRef name = PyRef::Steal(PyUnicode_FromStringAndSize(request.text.data(), static_cast<Py_ssize_t>(request.text.size())));
      PyRef module = name ? PyRef::Steal(PyImport_Import(name.get())) : PyRef();
      return module ? DescribeModule(module.get(), request.text) : nullptr;
    }
  }
  PyErr_SetString(PyExc_SystemError, "static-py: unknown request");
  return nullptr;
}

Napi::Value Interpreter::Invoke(Napi::Env env, const std::function<PyObject*()>& body,
                                PythonException::Source source) {
  CheckUsable(env);
  static_py::Value value;
  std::optional<PythonException> error;
  PyObject* borrowed_from = nullptr;  // a result `value` points into, kept until JS has its copy
  {
    // This JS thread is now inside a synchronous call (CallbackHub rule C),
    // which a JS function called from it must not close the interpreter under.
    struct InCall {
      Interpreter* self;
      explicit InCall(Interpreter* i) : self(i) {
        self->active_calls_++;
        self->state_->callbacks()->EnterSync();
      }
      ~InCall() {
        self->state_->callbacks()->LeaveSync();
        self->active_calls_--;
      }
    } in_call(this);
    ThreadStateGuard guard(tstate_);
    registry_->Drain();
    PyRef result = PyRef::Steal(body());
    PyConverter converter(registry_, /*borrow_bytes=*/true);
    if (!result) {
      error.emplace(PythonException::Fetch(source));
    } else if (!converter.FromPython(result.get(), &value)) {
      error.emplace(PythonException::Fetch());
    } else if (converter.borrowed()) {
      borrowed_from = result.release();
    }
  }
  // Detached: JS may run (a PythonError's stack, prepareStackTrace, wrapHandle).
  if (error) throw error->ToJs(state_);
  struct Keep {
    ObjectRegistry* registry;
    PyObject* obj;
    // Dropped at the next attach: the bytes are immutable, and alive until then.
    ~Keep() {
      if (obj != nullptr) registry->Release(obj);
    }
  } keep{registry_.get(), borrowed_from};
  return JsConverter(state_).ToJs(value, this);
}

Napi::Value Interpreter::RunSync(Napi::Env env, const PyRequest& request) {
  return Invoke(env, [&] { return Execute(request); }, request.source());
}

Napi::Value Interpreter::RunAsync(Napi::Env env, PyRequest request) {
  CheckUsable(env);
  if (!executor_) executor_ = Executor::Create(env, interp_);
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  executor_->Post(std::make_unique<AsyncCall>(this, std::move(request), deferred));
  return deferred.Promise();
}

void Interpreter::InterruptAsync() {
  if (executor_) executor_->Interrupt();
}

void Interpreter::StopExecutor(bool env_alive) {
  if (!executor_) return;
  executor_->Shutdown(env_alive);
  executor_.reset();
}

bool Interpreter::EndSubinterpreter(std::string* why) {
  int unjoinable;
  {
    ThreadStateGuard guard(tstate_);
    names_.Clear();  // its objects, before it ends
    unjoinable = Subinterpreter::UnjoinableThreads(tstate_, 1);
    if (unjoinable < 0) PyErr_Clear();
  }
  if (unjoinable != 0) {
    *why = "static-py: interpreter " + std::to_string(id_) + " still runs " +
           (unjoinable > 0 ? std::to_string(unjoinable) : std::string("some")) +
           " thread(s) that Py_EndInterpreter cannot wait for (daemon threads, or threads from _thread); "
           "stop them before closing it";
    return false;
  }
  Subinterpreter::End(tstate_, state_->main_interpreter()->tstate_, &DropEverything, registry_.get());
  tstate_ = nullptr;
  closed_ = true;
  state_->RemoveInterpreter(this);
  return true;
}

void Interpreter::ReleasePython() {
  if (closed_) return;
  StopExecutor(/*env_alive=*/false);
  if (!main_) {
    std::string why;
    if (EndSubinterpreter(&why)) return;
    // Ending it would be a fatal error in CPython: leave it running.
    fprintf(stderr, "%s (left running as its environment goes away)\n", why.c_str());
  }
  closed_ = true;
  GilNudger::Attach(tstate_);
  registry_->CloseAll();
  names_.Clear();
  if (PythonRuntime::Get()->IsInitialThreadState(tstate_)) {
    PyEval_SaveThread();  // lent by the runtime, which keeps it
  } else {
    PyThreadState_Clear(tstate_);
    PyThreadState_DeleteCurrent();
  }
  tstate_ = nullptr;
}

// JS bindings --------------------------------------------------------------

Napi::Value Interpreter::JSExec(const Napi::CallbackInfo& info) {
  RunSync(info.Env(), {PyRequest::Kind::kExec, info[0].As<Napi::String>().Utf8Value(), nullptr, nullptr});
  return info.Env().Undefined();
}

Napi::Value Interpreter::JSEval(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), {PyRequest::Kind::kEval, info[0].As<Napi::String>().Utf8Value(), nullptr, nullptr});
}

// call(dottedName, kwargs: object | null, ...args). The arguments stay on
// this stack, as this is the hottest path.
Napi::Value Interpreter::JSCall(const Napi::CallbackInfo& info) {
  const CallArguments args(state_, info, 1, /*copy_bytes=*/false);
  return RunSync(info.Env(), {PyRequest::Kind::kCall, Utf8Argument(info[0]), &args, nullptr});
}

Napi::Value Interpreter::JSImport(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), {PyRequest::Kind::kImport, info[0].As<Napi::String>().Utf8Value(), nullptr, nullptr});
}

Napi::Value Interpreter::JSExecAsync(const Napi::CallbackInfo& info) {
  return RunAsync(info.Env(), {PyRequest::Kind::kExec, info[0].As<Napi::String>().Utf8Value(), nullptr, nullptr});
}

Napi::Value Interpreter::JSEvalAsync(const Napi::CallbackInfo& info) {
  return RunAsync(info.Env(), {PyRequest::Kind::kEval, info[0].As<Napi::String>().Utf8Value(), nullptr, nullptr});
}

// callAsync(dottedName, kwargs, ...args): arguments are copied now,
// converted to Python on the executor thread.
Napi::Value Interpreter::JSCallAsync(const Napi::CallbackInfo& info) {
  return RunAsync(info.Env(), {PyRequest::Kind::kCall, info[0].As<Napi::String>().Utf8Value(), nullptr,
                               std::make_unique<CallArguments>(state_, info, 1, /*copy_bytes=*/true)});
}

// close(): queued async calls are rejected, a running one is stopped with
// SystemExit and waited for, then the interpreter ends. Closing twice does
// nothing.
Napi::Value Interpreter::JSClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (main_) {
    throw Napi::Error::New(env, "static-py: the main interpreter cannot be closed: it lives as long as the process");
  }
  if (closed_) return env.Undefined();
  if (active_calls_ > 0) {
    throw Napi::Error::New(env, "static-py: interpreter " + std::to_string(id_) +
                                    " is running a call that is waiting for this JS function; close it after that call returns");
  }
  state_->callbacks()->RefuseFrom(id_);
  InterruptAsync();
  StopExecutor(/*env_alive=*/true);
  std::string why;
  if (!EndSubinterpreter(&why)) throw Napi::Error::New(env, why);
  return env.Undefined();
}

// importByInitFunc(fullName, symbol: string | null, library: string | null,
//                  initFrom: string | null)
Napi::Value Interpreter::JSImportByInitFunc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  StaticInitFunc init = nullptr;
  if (info[3].IsString()) {
    std::string from = info[3].As<Napi::String>().Utf8Value();
    const StaticModuleEntry* entry = StaticTable::Find(from.data(), from.size());
    if (entry == nullptr || !(entry->flags & kEntryHasInit)) {
      throw Napi::Error::New(env, "static-py: importByInitFunc('" + name + "', { initFrom: '" + from +
                                      "' }): this build has no static extension named '" + from + "'");
    }
    init = StaticTable::Init(*entry);
  } else if (info[1].IsString()) {
    std::string error;
    std::string library = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
    init = InitSymbol::Resolve(info[1].As<Napi::String>().Utf8Value(), library, &error);
    if (init == nullptr) throw Napi::Error::New(env, "static-py: importByInitFunc('" + name + "'): " + error);
  } else {
    const StaticModuleEntry* entry = StaticTable::Find(name.data(), name.size());
    if (entry == nullptr || !(entry->flags & kEntryHasInit)) {
      throw Napi::Error::New(env, "static-py: importByInitFunc('" + name + "'): this build has no static extension of that " +
                                      "name (python.staticModules() lists them); pass options.symbol to name an init function");
    }
    init = StaticTable::Init(*entry);
  }
  return Invoke(env, [&]() -> PyObject* {
    PyRef unicode = PyRef::Steal(PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size())));
    PyRef module = unicode ? PyRef::Steal(StaticFinder::ImportWithInitFunc(unicode.get(), init, nullptr)) : PyRef();
    return module ? DescribeModule(module.get(), name) : nullptr;
  });
}

Napi::Value Interpreter::JSGetId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(id_));
}

Napi::Value Interpreter::JSGetIsMain(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), main_); }

Napi::Value Interpreter::JSGetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

}  // namespace static_py
