// The JS Interpreter class: one CPython interpreter as seen from one Node
// environment. It owns this environment's thread state for the interpreter
// (thread_state_guard.h, rule 3), the objects JS holds from it, and the
// executor that runs its async calls. Subinterpreters belong to the
// environment that created them; close() and environment cleanup end them.
#ifndef STATIC_PY_INTERP_INTERPRETER_H_
#define STATIC_PY_INTERP_INTERPRETER_H_

#include <Python.h>
#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "convert/call_arguments.h"
#include "errors/python_exception.h"
#include "interp/dotted_names.h"
#include "interp/subinterpreter.h"
#include "objects/object_registry.h"

namespace static_py {

class EnvState;
class Executor;

// What to run: the same description serves sync and async calls.
struct PyRequest {
  enum class Kind { kExec, kEval, kCall, kImport };
  Kind kind;
  std::string text;  // code, expression, dotted name or module name
  // kCall only: on the caller's stack for a sync call, else in `owned_args`.
  const CallArguments* args = nullptr;
  std::unique_ptr<CallArguments> owned_args;
  PythonException::Source source() const;
};

class Interpreter : public Napi::ObjectWrap<Interpreter> {
 public:
  static Napi::Function Init(Napi::Env env, EnvState* state);
  // The main interpreter for `state`'s environment, with a thread state
  // created for the calling (JS) thread.
  static Napi::Object NewMain(EnvState* state, PyInterpreterState* interp);
  // A new subinterpreter owned by `state`'s environment. Throws a JS Error
  // with CPython's reason when it cannot be created.
  static Napi::Object NewSub(EnvState* state, const InterpreterConfig& config);

  explicit Interpreter(const Napi::CallbackInfo& info);

  int64_t id() const { return id_; }
  bool is_main() const { return main_; }
  bool closed() const { return closed_; }
  EnvState* state() const { return state_; }
  PyThreadState* thread_state() const { return tstate_; }
  const std::shared_ptr<ObjectRegistry>& registry() const { return registry_; }

  // With a thread state of this interpreter attached (JS thread or
  // executor): performs `request`. New reference, or null with an error.
  PyObject* Execute(const PyRequest& request);

  // Runs `body` with this environment's thread state attached. `body`
  // returns a new reference, or null with a Python exception set, which is
  // thrown as a PythonError. The result is converted to JS once the thread
  // state is detached (thread_state_guard.h, rule 8).
  Napi::Value Invoke(Napi::Env env, const std::function<PyObject*()>& body,
                     PythonException::Source source = {});
  // Throws a JS Error when the interpreter can no longer be used.
  void CheckUsable(Napi::Env env) const;

  // Environment cleanup, first step, for every interpreter before any is
  // released: makes a running async call raise SystemExit (no GIL needed).
  void InterruptAsync();
  // Environment cleanup: stops async work, drops every object JS holds,
  // ends a subinterpreter, and deletes this thread's thread state.
  void ReleasePython();

 private:
  // JS bindings
  Napi::Value JSExec(const Napi::CallbackInfo& info);
  Napi::Value JSEval(const Napi::CallbackInfo& info);
  Napi::Value JSCall(const Napi::CallbackInfo& info);
  static Napi::Value JSCallBound(const Napi::CallbackInfo& info);  // `call`, bound by data pointer (the constructor)
  Napi::Value JSImport(const Napi::CallbackInfo& info);
  Napi::Value JSImportByInitFunc(const Napi::CallbackInfo& info);
  Napi::Value JSExecAsync(const Napi::CallbackInfo& info);
  Napi::Value JSEvalAsync(const Napi::CallbackInfo& info);
  Napi::Value JSCallAsync(const Napi::CallbackInfo& info);
  Napi::Value JSClose(const Napi::CallbackInfo& info);
  Napi::Value JSGetId(const Napi::CallbackInfo& info);
  Napi::Value JSGetIsMain(const Napi::CallbackInfo& info);
  Napi::Value JSGetClosed(const Napi::CallbackInfo& info);

  Napi::Value RunSync(Napi::Env env, const PyRequest& request);
  Napi::Value RunAsync(Napi::Env env, PyRequest request);
  // Stops the executor (if any); `env_alive` as in Executor::Shutdown.
  void StopExecutor(bool env_alive);
  // Ends a subinterpreter. Returns false with `why` set when threads it
  // cannot wait for are still running (then nothing was changed).
  bool EndSubinterpreter(std::string* why);

  EnvState* state_ = nullptr;
  PyInterpreterState* interp_ = nullptr;
  PyThreadState* tstate_ = nullptr;  // this environment's, on its JS thread
  PyObject* globals_ = nullptr;      // borrowed: __main__.__dict__, lives as long as the interpreter
  int64_t id_ = -1;
  bool main_ = false;
  bool closed_ = false;
  int active_calls_ = 0;  // synchronous calls into it under way on this JS thread
  std::shared_ptr<ObjectRegistry> registry_;
  std::shared_ptr<Executor> executor_;  // made on the first async call
  DottedNames names_;  // call()'s names; used and cleared with this interpreter's GIL
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_INTERPRETER_H_
