// One execAsync/evalAsync/callAsync: the request runs on the interpreter's
// executor thread; the result (as an owned value tree) or the Python
// exception comes back to the JS thread, which settles the promise.
#ifndef STATIC_PY_INTERP_ASYNC_CALL_H_
#define STATIC_PY_INTERP_ASYNC_CALL_H_

#include <napi.h>

#include <optional>

#include "convert/value.h"
#include "errors/python_exception.h"
#include "interp/executor.h"
#include "interp/interpreter.h"

namespace static_py {

class AsyncCall : public Executor::Task {
 public:
  // JS thread. Keeps `interp`'s JS object alive until Complete().
  AsyncCall(Interpreter* interp, PyRequest request, Napi::Promise::Deferred deferred);

  void Run() override;
  void Complete(Napi::Env env, Outcome outcome) override;

 private:
  Interpreter* interp_;
  PyRequest request_;
  Napi::Promise::Deferred deferred_;
  Value result_;
  std::optional<PythonException> error_;
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_ASYNC_CALL_H_
