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
  explicit JsConverter(EnvState* state) : state_(state) {}

  // `borrow_bytes`: when `value` itself is a Buffer, typed array,
  // ArrayBuffer or DataView, point into its memory instead of copying it.
  // Only for a synchronous call, and only when no JS runs until the call is
  // over (RunsNoJs): a getter could transfer or resize the buffer. Bytes
  // inside containers are always copied, since reading a container can run JS.
  Value FromJs(Napi::Value value, ConversionPath path, bool borrow_bytes = false);
  // The same into `out`, for a caller that already has `value`'s type (a
  // call's arguments: each typeof is a Node-API call).
  void FromJs(Napi::Value value, napi_valuetype type, Value* out, ConversionPath path, bool borrow_bytes = false);
  // Whether converting `value`, of `type`, cannot run JS: a primitive, or a
  // Buffer, typed array, ArrayBuffer or DataView (read without calling into JS).
  static bool RunsNoJs(Napi::Value value, napi_valuetype type);
  // `owner` is the interpreter whose opaque objects `value` may contain.
  Napi::Value ToJs(const Value& value, Interpreter* owner);

 private:
  void FromJsAt(Napi::Value value, Value* out, ConversionPath* path, std::vector<napi_value>* stack) {
    FromJsAt(value, value.Type(), out, path, stack);
  }
  void FromJsAt(Napi::Value value, napi_valuetype type, Value* out, ConversionPath* path, std::vector<napi_value>* stack);
  std::string Describe(Napi::Value value);

  EnvState* state_;
  bool borrow_top_ = false;  // for the FromJs call under way
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_JS_CONVERTER_H_
