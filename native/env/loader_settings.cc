#include "env/loader_settings.h"

#include <string>

#include "env/env_state.h"
#include "runtime/process_state.h"

namespace static_py {

Napi::Value LoaderSettings::JSConfigure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t chooser = EnvState::From(env)->serial();
  ProcessState& process = ProcessState::Get();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string why;
  if (o.Get("policy").IsString()) {
    const bool isolated = o.Get("policy").As<Napi::String>().Utf8Value() == "isolated";
    why = process.ChoosePolicy(isolated ? CachePolicy::kIsolated : CachePolicy::kCPython, chooser);
  }
  if (why.empty() && o.Get("packageContext").IsBoolean()) {
    why = process.ChoosePackageContext(o.Get("packageContext").As<Napi::Boolean>().Value(), chooser);
  }
  if (!why.empty()) throw Napi::Error::New(env, why);
  return JSSettings(info);
}

Napi::Value LoaderSettings::JSSettings(const Napi::CallbackInfo& info) {
  ProcessState& process = ProcessState::Get();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("policy", process.policy() == CachePolicy::kIsolated ? "isolated" : "cpython");
  out.Set("packageContext", process.package_context());
  out.Set("policyFixed", process.policy_fixed());
  return out;
}

}  // namespace static_py
