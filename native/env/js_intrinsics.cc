#include "env/js_intrinsics.h"

namespace static_py {

JsIntrinsics::JsIntrinsics(Napi::Env env) : env_(env) {
  Napi::Object global = env.Global();
  Napi::Function map = global.Get("Map").As<Napi::Function>();
  map_class_ = Napi::Persistent(map);
  map_set_ = Napi::Persistent(map.Get("prototype").As<Napi::Object>().Get("set").As<Napi::Function>());
  array_from_ = Napi::Persistent(global.Get("Array").As<Napi::Object>().Get("from").As<Napi::Function>());
  object_prototype_ = Napi::Persistent(global.Get("Object").As<Napi::Object>().Get("prototype").As<Napi::Object>());
  Napi::Function symbol_for = global.Get("Symbol").As<Napi::Object>().Get("for").As<Napi::Function>();
  handle_key_ = Napi::Persistent(symbol_for.Call({Napi::String::New(env, "static-py.handle")}).As<Napi::Symbol>());
}

bool JsIntrinsics::IsMap(Napi::Object obj) const { return obj.InstanceOf(map_class_.Value()); }

bool JsIntrinsics::IsPlainObject(Napi::Object obj) const {
  napi_value proto;
  if (napi_get_prototype(env_, obj, &proto) != napi_ok) return false;
  Napi::Value p(env_, proto);
  return p.IsNull() || p.StrictEquals(object_prototype_.Value());
}

Napi::Array JsIntrinsics::MapEntries(Napi::Object map) const { return array_from_.Call({map}).As<Napi::Array>(); }

Napi::Object JsIntrinsics::NewMap() const { return map_class_.New({}); }

void JsIntrinsics::MapSet(Napi::Object map, Napi::Value key, Napi::Value value) const {
  map_set_.Call(map, {key, value});
}

}  // namespace static_py
