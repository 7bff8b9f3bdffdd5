#include "callbacks/js_ref.h"

#include <utility>

#include "callbacks/callback_hub.h"

namespace static_py {

JsRef::JsRef(std::shared_ptr<CallbackHub> hub, Napi::Value value) : hub_(std::move(hub)), ref_(hub_->Reference(value)) {}

JsRef::~JsRef() { hub_->Unreference(ref_); }

Napi::Value JsRef::Get(Napi::Env env) const {
  napi_value value = nullptr;
  napi_get_reference_value(env, ref_, &value);
  return Napi::Value(env, value);
}

}  // namespace static_py
