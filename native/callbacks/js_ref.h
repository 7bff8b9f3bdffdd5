// One JS value (a function handed to Python, or the error a JS function
// threw) held for Python, by the Node environment that made it. Any thread
// may hold and drop a JsRef; the napi reference itself is only touched on
// its environment's JS thread: dropped elsewhere, it waits in the
// environment's CallbackHub until that thread next runs a callback.
#ifndef STATIC_PY_CALLBACKS_JS_REF_H_
#define STATIC_PY_CALLBACKS_JS_REF_H_

#include <napi.h>

#include <memory>

namespace static_py {

class CallbackHub;

class JsRef {
 public:
  // On `hub`'s JS thread: a strong reference to `value`.
  JsRef(std::shared_ptr<CallbackHub> hub, Napi::Value value);
  ~JsRef();
  JsRef(const JsRef&) = delete;
  JsRef& operator=(const JsRef&) = delete;

  const std::shared_ptr<CallbackHub>& hub() const { return hub_; }
  // On the hub's JS thread, while its environment lives: the value.
  Napi::Value Get(Napi::Env env) const;

 private:
  std::shared_ptr<CallbackHub> hub_;
  napi_ref ref_ = nullptr;
};

}  // namespace static_py

#endif  // STATIC_PY_CALLBACKS_JS_REF_H_
