// JS side of the conversion: JS value -> Value and back. Runs on the JS
// thread of the environment that owns `state`; never touches Python, so it
// needs no GIL. Unconvertible input throws a JS TypeError naming where in
// the argument it sits ("args[1].config[2]").
#ifndef STATIC_PY_CONVERT_JS_CONVERTER_H_
#define STATIC_PY_CONVERT_JS_CONVERTER_H_

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "convert/conversion_path.h"
#include "convert/value.h"

namespace static_py {

class EnvState;
class Interpreter;

class JsConverter {
 public:
  // `copy_bytes`: copy Buffer contents (async calls) instead of pointing into
  // them (synchronous calls, where the Buffer outlives the call).
  JsConverter(EnvState* state, bool copy_bytes) : state_(state), copy_bytes_(copy_bytes) {}

  Value FromJs(Napi::Value value, ConversionPath path);
  // `owner` is the interpreter whose opaque objects `value` may contain.
  Napi::Value ToJs(const Value& value, Interpreter* owner);

 private:
  void FromJsAt(Napi::Value value, Value* out, ConversionPath* path, std::vector<napi_value>* stack);
  std::string Describe(Napi::Value value);

  EnvState* state_;
  bool copy_bytes_;
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_JS_CONVERTER_H_
