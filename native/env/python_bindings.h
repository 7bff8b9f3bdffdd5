// The addon's top-level functions, which lib/python.ts calls: setup, start,
// and the interpreters of this environment. Each finds its environment's
// state with EnvState::From; none keeps state of its own.
#ifndef STATIC_PY_ENV_PYTHON_BINDINGS_H_
#define STATIC_PY_ENV_PYTHON_BINDINGS_H_

#include <napi.h>

namespace static_py {

class PythonBindings {
 public:
  // setup(PythonError, wrapHandle): the classes native code instantiates, once.
  static Napi::Value JSSetup(const Napi::CallbackInfo& info);
  // start({ executable, register, allocator, missingNames, onMainThread,
  // faultPoint }): starts CPython if no environment has yet; returns this
  // environment's main Interpreter.
  static Napi::Value JSStart(const Napi::CallbackInfo& info);
  // createInterpreter(config): config as lib/interpreter-options.ts resolves it.
  static Napi::Value JSCreateInterpreter(const Napi::CallbackInfo& info);
  // interpreter(id): one of this environment's interpreters, or an error
  // saying whose it is.
  static Napi::Value JSInterpreter(const Napi::CallbackInfo& info);
  // interpreters(): this environment's live interpreters, main first.
  static Napi::Value JSInterpreters(const Napi::CallbackInfo& info);
  // moduleNameProblem(name): what makes `name` no module name (the loader's
  // rule, module_names.h), or null; lib/errors.ts checks names with it.
  static Napi::Value JSModuleNameProblem(const Napi::CallbackInfo& info);
};

}  // namespace static_py

#endif  // STATIC_PY_ENV_PYTHON_BINDINGS_H_
