#include "interp/async_call.h"

#include <utility>

#include "convert/js_converter.h"
#include "convert/py_converter.h"
#include "util/py_ref.h"

namespace static_py {

AsyncCall::AsyncCall(Interpreter* interp, PyRequest request, Napi::Promise::Deferred deferred)
    : interp_(interp), request_(std::move(request)), deferred_(deferred) {
  interp_->Ref();
}

void AsyncCall::Run() {
  interp_->registry()->Drain();
  PyRef result = PyRef::Steal(interp_->Execute(request_));
  if (!result) {
    error_ = PythonException::Fetch(request_.source());
    return;
  }
  // Owned copies: the result crosses to another thread.
  if (!PyConverter(interp_->registry(), /*borrow_bytes=*/false).FromPython(result.get(), &result_)) {
    error_ = PythonException::Fetch();
  }
}

// Called from a thread-safe function: no C++ exception may leave it.
void AsyncCall::Complete(Napi::Env env, Outcome outcome) {
  Napi::HandleScope scope(env);
  const std::string which = "static-py: interpreter " + std::to_string(interp_->id());
  // Rejecting fails as settling did when the environment is a worker being
  // terminated (no JS can run): then nobody is left to tell.
  auto reject_or_drop = [&](auto make_error) {
    try {
      deferred_.Reject(make_error());
    } catch (...) {
    }
  };
  try {
    if (outcome == Outcome::kCancelled) {
      deferred_.Reject(Napi::Error::New(env, which + " was closed before this call ran").Value());
    } else if (outcome == Outcome::kFailed) {
      deferred_.Reject(Napi::Error::New(env, which + ": CPython could not make a thread state for async calls " +
                                                 "(out of memory); the call did not run").Value());
    } else if (outcome == Outcome::kInterrupted && error_) {
      // close() (or the environment's exit) stopped it with SystemExit.
      deferred_.Reject(Napi::Error::New(env, which + " was closed while this call ran; close() stopped it " +
                                                 "with SystemExit").Value());
    } else if (error_) {
      deferred_.Reject(error_->ToJs(interp_->state()).Value());
    } else {
      deferred_.Resolve(JsConverter(interp_->state()).ToJs(result_, interp_));
    }
  } catch (const Napi::Error& e) {
    reject_or_drop([&] { return e.Value(); });
  } catch (const std::exception& e) {
    reject_or_drop([&] { return Napi::Error::New(env, e.what()).Value(); });
  }
  interp_->Unref();
}

}  // namespace static_py
