// The JS Interpreter class: one CPython interpreter as seen from one Node
// environment. It owns this environment's thread state for the interpreter
// (thread_state_guard.h, rule 3) and the objects JS holds from it.
#ifndef STATIC_PY_INTERP_INTERPRETER_H_
#define STATIC_PY_INTERP_INTERPRETER_H_

#include <Python.h>
#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "errors/python_exception.h"
#include "objects/object_registry.h"

namespace static_py {

class EnvState;

class Interpreter : public Napi::ObjectWrap<Interpreter> {
 public:
  static Napi::Function Init(Napi::Env env, EnvState* state);
  // The main interpreter for `state`'s environment, with a thread state
  // created for the calling (JS) thread.
  static Napi::Object NewMain(EnvState* state, PyInterpreterState* interp);

  explicit Interpreter(const Napi::CallbackInfo& info);

  int64_t id() const { return id_; }
  bool is_main() const { return main_; }
  const std::shared_ptr<ObjectRegistry>& registry() const { return registry_; }

  // Runs `body` with this environment's thread state attached. `body`
  // returns a new reference, or null with a Python exception set, which is
  // thrown as a PythonError. The result is converted to JS.
  Napi::Value Invoke(Napi::Env env, const std::function<PyObject*()>& body,
                     PythonException::Source source = {});

  // Environment cleanup: drops every object JS holds and this thread's
  // thread state. The interpreter itself is left to its owner.
  void ReleasePython();

 private:
  // JS bindings
  Napi::Value JSExec(const Napi::CallbackInfo& info);
  Napi::Value JSEval(const Napi::CallbackInfo& info);
  Napi::Value JSCall(const Napi::CallbackInfo& info);
  Napi::Value JSImport(const Napi::CallbackInfo& info);
  Napi::Value JSImportByInitFunc(const Napi::CallbackInfo& info);
  Napi::Value JSModuleState(const Napi::CallbackInfo& info);
  Napi::Value JSGetId(const Napi::CallbackInfo& info);
  Napi::Value JSGetIsMain(const Napi::CallbackInfo& info);

  // Throws a JS Error when the interpreter can no longer be used.
  void CheckUsable(Napi::Env env) const;
  PyObject* RunCode(const std::string& code, int start, const char* filename);

  EnvState* state_ = nullptr;
  PyInterpreterState* interp_ = nullptr;
  PyThreadState* tstate_ = nullptr;  // this environment's, on its JS thread
  PyObject* globals_ = nullptr;      // borrowed: __main__.__dict__, lives as long as the interpreter
  int64_t id_ = -1;
  bool main_ = false;
  bool released_ = false;
  std::shared_ptr<ObjectRegistry> registry_;
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_INTERPRETER_H_
