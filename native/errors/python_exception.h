// A Python exception taken out of the interpreter as plain data, so it can
// cross threads and become a JS PythonError later. This is the one place a
// pending Python exception turns into something JS sees.
#ifndef STATIC_PY_ERRORS_PYTHON_EXCEPTION_H_
#define STATIC_PY_ERRORS_PYTHON_EXCEPTION_H_

#include <napi.h>

#include <memory>
#include <string>

namespace static_py {

class EnvState;
class JsRef;

// Source text to show in the traceback for frames from `filename` (code
// passed to exec/eval has no file for the traceback module to read).
struct CodeSource {
  const char* filename = nullptr;
  const std::string* text = nullptr;
};

class PythonException {
 public:
  using Source = CodeSource;

  // GIL held, exception pending: consumes it. KeyboardInterrupt and
  // SystemExit are captured like any other exception; nothing here can exit
  // the process.
  static PythonException Fetch(Source source = {});

  // JS thread: an instance of the TS PythonError class, or, for a JSError
  // that reached the caller, the very value JS threw (when this is its thread).
  Napi::Error ToJs(EnvState* state) const;

 private:
  std::shared_ptr<JsRef> js_thrown_;
  std::string type_;
  std::string message_;
  std::string traceback_;
};

}  // namespace static_py

#endif  // STATIC_PY_ERRORS_PYTHON_EXCEPTION_H_
