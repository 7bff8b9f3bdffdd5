#include "convert/js_converter.h"

#include <algorithm>
#include <cmath>

#include "callbacks/js_ref.h"
#include "env/env_state.h"
#include "objects/py_object_handle.h"

namespace static_py {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr size_t kMaxDepth = 512;

const char kHexDigits[] = "0123456789abcdef";

std::string WordsToHex(const std::vector<uint64_t>& words) {
  std::string hex;
  for (size_t i = words.size(); i-- > 0;) {
    for (int shift = 60; shift >= 0; shift -= 4) hex.push_back(kHexDigits[(words[i] >> shift) & 0xF]);
  }
  size_t first = hex.find_first_not_of('0');
  return first == std::string::npos ? "0" : hex.substr(first);
}

std::vector<uint64_t> HexToWords(const std::string& hex) {
  std::vector<uint64_t> words((hex.size() + 15) / 16, 0);
  for (size_t i = 0; i < hex.size(); i++) {
    char c = hex[hex.size() - 1 - i];
    uint64_t digit = c <= '9' ? static_cast<uint64_t>(c - '0') : static_cast<uint64_t>(c - 'a' + 10);
    words[i / 16] |= digit << (4 * (i % 16));
  }
  return words;
}

// A value that cannot become Python is an argument error, shaped like the
// ones lib/errors.ts makes: the static-py: prefix and a Node-style code.
template <typename ErrorClass>
ErrorClass ArgumentError(Napi::Env env, const std::string& message, const char* code) {
  ErrorClass error = ErrorClass::New(env, "static-py: " + message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

}  // namespace

std::string JsConverter::Describe(Napi::Value value) {
  switch (value.Type()) {
    case napi_symbol:
      return "a Symbol";
    case napi_function:
      return "a function";
    case napi_external:
      return "an external";
    case napi_object: {
      Napi::Value ctor = value.As<Napi::Object>().Get("constructor");
      if (ctor.IsFunction()) {
        Napi::Value name = ctor.As<Napi::Object>().Get("name");
        if (name.IsString() && !name.As<Napi::String>().Utf8Value().empty()) {
          return "a " + name.As<Napi::String>().Utf8Value() + " object";
        }
      }
      return "an object with a custom prototype";
    }
    default:
      return "an unsupported value";
  }
}

Value JsConverter::FromJs(Napi::Value value, ConversionPath path, bool borrow_bytes) {
  Value out;
  FromJs(value, value.Type(), &out, std::move(path), borrow_bytes);
  return out;
}

void JsConverter::FromJs(Napi::Value value, napi_valuetype type, Value* out, ConversionPath path, bool borrow_bytes) {
  std::vector<napi_value> stack;
  borrow_top_ = borrow_bytes;
  FromJsAt(value, type, out, &path, &stack);
}

bool JsConverter::RunsNoJs(Napi::Value value, napi_valuetype type) {
  if (type != napi_object) return type != napi_function;  // a primitive
  Napi::Object obj = value.As<Napi::Object>();
  return obj.IsTypedArray() || obj.IsArrayBuffer() || obj.IsDataView();
}

void JsConverter::FromJsAt(Napi::Value value, napi_valuetype type, Value* out, ConversionPath* path, std::vector<napi_value>* stack) {
  using Kind = Value::Kind;
  Napi::Env env = value.Env();
  switch (type) {
    case napi_undefined:
    case napi_null:
      out->kind = Kind::kNone;
      return;
    case napi_boolean:
      out->kind = Kind::kBool;
      out->boolean = value.As<Napi::Boolean>().Value();
      return;
    case napi_number: {
      double d = value.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kMaxSafeInteger && !(d == 0 && std::signbit(d))) {
        out->kind = Kind::kInt;
        out->integer = static_cast<int64_t>(d);
      } else {
        out->kind = Kind::kFloat;
        out->number = d;
      }
      return;
    }
    case napi_bigint: {
      size_t count = 0;
      int sign = 0;
      napi_get_value_bigint_words(env, value, nullptr, &count, nullptr);
      std::vector<uint64_t> words(count);
      napi_get_value_bigint_words(env, value, &sign, &count, words.data());
      out->kind = Kind::kBigInt;
      out->negative = sign != 0;
      out->hex = WordsToHex(words);
      return;
    }
    case napi_string: {
      size_t length = 0;
      napi_get_value_string_utf16(env, value, nullptr, 0, &length);
      out->kind = Kind::kString;
      out->text.resize(length);
      // Lone surrogates are kept: they become lone surrogates in Python too.
      napi_get_value_string_utf16(env, value, out->text.data(), length + 1, &length);
      return;
    }
    case napi_object:
      break;
    case napi_function:
      // Called on this thread's event loop whoever calls it (callbacks/callback_hub.h).
      out->kind = Kind::kFunction;
      out->function = std::make_shared<JsRef>(state_->callbacks(), value);
      return;
    default:
      throw ArgumentError<Napi::TypeError>(env, "cannot convert " + path->str() + " (" + Describe(value) + ") to Python",
                                           "ERR_INVALID_ARG_TYPE");
  }

  Napi::Object obj = value.As<Napi::Object>();
  if (obj.IsBuffer() || obj.IsTypedArray() || obj.IsArrayBuffer() || obj.IsDataView()) {
    const uint8_t* data = nullptr;
    size_t size = 0;
    if (obj.IsArrayBuffer()) {
      auto ab = obj.As<Napi::ArrayBuffer>();
      data = static_cast<const uint8_t*>(ab.Data());
      size = ab.ByteLength();
    } else if (obj.IsDataView()) {
      auto dv = obj.As<Napi::DataView>();
      data = static_cast<const uint8_t*>(dv.Data());
      size = dv.ByteLength();
    } else {
      auto ta = obj.As<Napi::TypedArray>();
      data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      size = ta.ByteLength();
    }
    out->kind = Kind::kBytes;
    // Top level only: a container's other members may run JS after this.
    out->bytes = borrow_top_ && stack->empty() ? Bytes::Borrow(data, size) : Bytes::Copy(data, size);
    return;
  }
  if (PyObjectHandle* handle = state_->UnwrapHandle(obj)) {
    out->kind = Kind::kObject;
    out->object = handle->ref();
    return;
  }

  // Containers: refuse cycles and absurd depth with a message, never a crash.
  for (napi_value seen : *stack) {
    if (Napi::Value(env, seen).StrictEquals(value)) {
      throw ArgumentError<Napi::TypeError>(env, "cannot convert " + path->str() + " to Python: it contains itself (a cyclic structure)",
                                           "ERR_INVALID_ARG_VALUE");
    }
  }
  if (stack->size() >= kMaxDepth) {
    throw ArgumentError<Napi::RangeError>(env, "cannot convert " + path->str() + " to Python: nested deeper than " +
                                                   std::to_string(kMaxDepth) + " levels",
                                          "ERR_OUT_OF_RANGE");
  }
  stack->push_back(value);
  const size_t base = path->below().size();
  if (obj.IsArray()) {
    auto array = obj.As<Napi::Array>();
    uint32_t n = array.Length();
    out->kind = Kind::kList;
    out->items.resize(n);
    for (uint32_t i = 0; i < n; i++) {
      path->below().append("[").append(std::to_string(i)).append("]");
      FromJsAt(array.Get(i), &out->items[i], path, stack);
      path->below().resize(base);
    }
  } else if (state_->intrinsics().IsMap(obj)) {
    out->kind = Kind::kMap;
    Napi::Array entries = state_->intrinsics().MapEntries(obj);
    uint32_t n = entries.Length();
    out->items.resize(2 * static_cast<size_t>(n));
    for (uint32_t i = 0; i < n; i++) {
      Napi::Array pair = entries.Get(i).As<Napi::Array>();
      path->below().append(".keys()[").append(std::to_string(i)).append("]");
      FromJsAt(pair.Get(0u), &out->items[2 * i], path, stack);
      path->below().resize(base);
      path->below().append(".get(…)[").append(std::to_string(i)).append("]");
      FromJsAt(pair.Get(1u), &out->items[2 * i + 1], path, stack);
      path->below().resize(base);
    }
  } else if (state_->intrinsics().IsPlainObject(obj)) {
    out->kind = Kind::kDict;
    Napi::Array keys = obj.GetPropertyNames();
    uint32_t n = keys.Length();
    out->items.resize(2 * static_cast<size_t>(n));
    for (uint32_t i = 0; i < n; i++) {
      Napi::Value key = keys.Get(i);
      FromJsAt(key, &out->items[2 * i], path, stack);
      path->below().append(".").append(key.As<Napi::String>().Utf8Value());
      FromJsAt(obj.Get(key), &out->items[2 * i + 1], path, stack);
      path->below().resize(base);
    }
  } else {
    stack->pop_back();
    throw ArgumentError<Napi::TypeError>(env, "cannot convert " + path->str() + " (" + Describe(value) +
                                                  ") to Python: only null, undefined, booleans, numbers, bigints, strings, "
                                                  "Buffers and typed arrays, arrays, plain objects, Maps, functions and PyObjects convert",
                                         "ERR_INVALID_ARG_TYPE");
  }
  stack->pop_back();
}

Napi::Value JsConverter::ToJs(const Value& value, Interpreter* owner) {
  using Kind = Value::Kind;
  Napi::Env env = state_->env();
  switch (value.kind) {
    case Kind::kNone:
      return env.Null();
    case Kind::kBool:
      return Napi::Boolean::New(env, value.boolean);
    case Kind::kInt:
      return Napi::Number::New(env, static_cast<double>(value.integer));
    case Kind::kBigInt: {
      std::vector<uint64_t> words = HexToWords(value.hex);
      return Napi::BigInt::New(env, value.negative ? 1 : 0, words.size(), words.data());
    }
    case Kind::kFloat:
      return Napi::Number::New(env, value.number);
    case Kind::kString:
      return Napi::String::New(env, value.text);
    case Kind::kBytes:
      return Napi::Buffer<uint8_t>::Copy(env, value.bytes.data(), value.bytes.size());
    case Kind::kList: {
      Napi::Array array = Napi::Array::New(env, value.items.size());
      for (size_t i = 0; i < value.items.size(); i++) array.Set(static_cast<uint32_t>(i), ToJs(value.items[i], owner));
      return array;
    }
    case Kind::kDict: {
      Napi::Object obj = Napi::Object::New(env);
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        Napi::Value key = ToJs(value.items[i], owner);
        Napi::Value val = ToJs(value.items[i + 1], owner);
        if (value.items[i].text == u"__proto__") {
          // A plain Set would call the __proto__ setter instead of adding a key.
          obj.DefineProperty(Napi::PropertyDescriptor::Value(key.As<Napi::Name>(), val, napi_default_jsproperty));
        } else {
          obj.Set(key, val);
        }
      }
      return obj;
    }
    case Kind::kMap: {
      Napi::Object map = state_->intrinsics().NewMap();
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        state_->intrinsics().MapSet(map, ToJs(value.items[i], owner), ToJs(value.items[i + 1], owner));
      }
      return map;
    }
    case Kind::kObject:
      return state_->WrapHandle(owner, value.object);
    case Kind::kFunction:
      // The same function that went in; one of another Node thread is only callable there.
      if (value.function->hub() != state_->callbacks()) {
        throw Napi::TypeError::New(env, "static-py: a JS function of another Node thread (worker) cannot be used on this one");
      }
      return value.function->Get(env);
  }
  return env.Undefined();
}

}  // namespace static_py
