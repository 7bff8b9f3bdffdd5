// The JS built-ins the converters use, captured once per environment when
// the addon loads, before user code could replace them: Map and its set,
// Array.from for a Map's entries, Object.prototype to tell a plain object,
// and the registered symbol under which a PyObject keeps its native handle.
// Calls into them run JS: never with the GIL held (thread_state_guard.h,
// rule 8).
#ifndef STATIC_PY_ENV_JS_INTRINSICS_H_
#define STATIC_PY_ENV_JS_INTRINSICS_H_

#include <napi.h>

namespace static_py {

class JsIntrinsics {
 public:
  explicit JsIntrinsics(Napi::Env env);

  bool IsMap(Napi::Object obj) const;
  // A plain object: made by {} or Object.create(null).
  bool IsPlainObject(Napi::Object obj) const;
  // [[key, value], ...] of a Map.
  Napi::Array MapEntries(Napi::Object map) const;
  Napi::Object NewMap() const;
  void MapSet(Napi::Object map, Napi::Value key, Napi::Value value) const;
  // Symbol.for('static-py.handle'): lib/pyobject.ts keeps a PyObject's
  // native handle under it.
  Napi::Symbol handle_key() const { return handle_key_.Value(); }

 private:
  Napi::Env env_;
  Napi::FunctionReference map_class_;
  Napi::FunctionReference map_set_;      // Map.prototype.set
  Napi::FunctionReference array_from_;   // Array.from
  Napi::ObjectReference object_prototype_;
  Napi::Reference<Napi::Symbol> handle_key_;
};

}  // namespace static_py

#endif  // STATIC_PY_ENV_JS_INTRINSICS_H_
