// Per Node environment state (the main thread and each worker have one):
// the JS classes native code instantiates, the JS built-ins it uses, the
// interpreters this environment uses, and the cleanup hook that lets go of
// them. Nothing per-environment lives in a static (better-sqlite3's Addon
// pattern); what is process-wide lives in ProcessState. The functions the
// addon exports live in their own files (python_bindings.h,
// loader_settings.h, build_report.h) and reach this state through From().
#ifndef STATIC_PY_ENV_ENV_STATE_H_
#define STATIC_PY_ENV_ENV_STATE_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "env/js_intrinsics.h"
#include "objects/object_registry.h"

namespace static_py {

class CallbackHub;
class Interpreter;
class PyObjectHandle;

class EnvState {
 public:
  // Creates the state for `env`, owned by the environment (instance data),
  // and registers the cleanup hook.
  static EnvState* Create(Napi::Env env);
  static EnvState* From(Napi::Env env) { return env.GetInstanceData<EnvState>(); }

  Napi::Env env() const { return env_; }
  // Tells environments apart (ProcessState's interpreter owners).
  uint64_t serial() const { return serial_; }
  const JsIntrinsics& intrinsics() const { return intrinsics_; }

  // The classes lib/ hands over once (setup()), and the ones the addon
  // defines (Interpreter::Init, PyObjectHandle::Init).
  void set_lib_classes(Napi::Function python_error, Napi::Function wrap_handle);
  Napi::Function python_error_class() const;
  Napi::Function interpreter_class() const { return interpreter_class_.Value(); }
  Napi::Function handle_class() const { return handle_class_.Value(); }
  void set_interpreter_class(Napi::Function f) { interpreter_class_ = Napi::Persistent(f); }
  void set_handle_class(Napi::Function f) { handle_class_ = Napi::Persistent(f); }

  // Native code makes Interpreter and PyObjectHandle objects through their
  // JS classes and hands the constructor its arguments here, set only for
  // the duration of the call (so `new` from JS finds nothing and is
  // refused). Not as napi externals: each of those is a heap cell that only
  // V8's garbage collector frees, one per handle.
  enum class Birth { kInterpreter, kHandle };
  template <typename T>
  Napi::Object Construct(Napi::Function cls, Birth kind, const T& args) {
    birth_ = {kind, &args};
    struct Reset {
      EnvState* s;
      ~Reset() { s->birth_ = {}; }
    } reset{this};
    return cls.New({});
  }
  // The arguments of the construction under way if it is of `kind`, else null.
  template <typename T>
  const T* BirthArgs(Birth kind) const {
    return birth_.args != nullptr && birth_.kind == kind ? static_cast<const T*>(birth_.args) : nullptr;
  }

  // Interpreters register here when this environment starts using them and
  // leave when closed; cleanup releases whatever is left (main last).
  void AddInterpreter(Interpreter* interp);
  void RemoveInterpreter(Interpreter* interp);
  const std::vector<Interpreter*>& interpreters() const { return interpreters_; }
  // This environment's interpreter `id`, or null.
  Interpreter* FindInterpreter(int64_t id) const;
  // This environment's main Interpreter and its JS object; null/empty before start().
  Interpreter* main_interpreter() const { return main_interpreter_; }
  Napi::Value main_object() const { return main_.IsEmpty() ? env_.Undefined() : main_.Value(); }

  // Runs the JS functions this environment hands to Python (callbacks/callback_hub.h).
  const std::shared_ptr<CallbackHub>& callbacks() const { return callbacks_; }

  // Opaque Python objects as JS sees them (the TS PyObject class).
  Napi::Value WrapHandle(Interpreter* owner, std::shared_ptr<ObjectRef> ref);
  PyObjectHandle* UnwrapHandle(Napi::Object obj);

 private:
  explicit EnvState(Napi::Env env);
  static void Cleanup(void* arg);

  Napi::Env env_;
  const uint64_t serial_;
  JsIntrinsics intrinsics_;
  struct {
    Birth kind = Birth::kInterpreter;
    const void* args = nullptr;
  } birth_;
  Napi::FunctionReference python_error_;
  Napi::FunctionReference wrap_handle_;
  Napi::FunctionReference interpreter_class_;
  Napi::FunctionReference handle_class_;
  Napi::ObjectReference main_;            // the main Interpreter, once started
  Interpreter* main_interpreter_ = nullptr;
  std::vector<Interpreter*> interpreters_;
  // Subinterpreters are kept alive by JS references until closed.
  std::vector<Napi::ObjectReference> owned_;
  std::shared_ptr<CallbackHub> callbacks_;  // shared with every JS function Python holds
  bool cleaned_up_ = false;
};

}  // namespace static_py

#endif  // STATIC_PY_ENV_ENV_STATE_H_
