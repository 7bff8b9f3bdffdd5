// The value tree every JS <-> Python conversion goes through. JsConverter
// builds and reads it on a JS thread (no GIL needed); PyConverter builds and
// reads it with the GIL held. That split is what lets async calls convert
// arguments on the JS thread and run Python on another thread.
#ifndef STATIC_PY_CONVERT_VALUE_H_
#define STATIC_PY_CONVERT_VALUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "objects/object_registry.h"

namespace static_py {

class JsRef;

// A borrowed or owned byte range. Borrowed views are only valid while the
// source (a JS Buffer or a Python bytes object) is kept alive by the caller,
// which the synchronous call path guarantees; async paths always own.
class Bytes {
 public:
  Bytes() = default;
  static Bytes Borrow(const uint8_t* data, size_t size) { return Bytes(data, size, nullptr); }
  static Bytes Copy(const uint8_t* data, size_t size) {
    auto owned = std::make_shared<std::vector<uint8_t>>(data, data + size);
    const uint8_t* start = owned->data();  // before `owned` is moved from
    return Bytes(start, size, std::move(owned));
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  Bytes(const uint8_t* data, size_t size, std::shared_ptr<std::vector<uint8_t>> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<std::vector<uint8_t>> owner_;
};

struct Value {
  enum class Kind : uint8_t {
    kNone,
    kBool,
    kInt,       // fits in a JS safe integer
    kBigInt,    // any other int: sign plus magnitude in hex digits
    kFloat,
    kString,    // UTF-16, so lone surrogates survive both ways
    kBytes,
    kList,      // JS array <-> Python list (tuples arrive as lists)
    kDict,      // str keys: JS plain object <-> Python dict
    kMap,       // any keys: JS Map <-> Python dict
    kObject,    // opaque Python object (a PyObject handle in JS)
    kFunction,  // a JS function (a JSFunction in Python; callbacks/js_function_type.h)
  };

  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  bool negative = false;       // kBigInt
  std::string hex;             // kBigInt magnitude, lowercase, no prefix
  std::u16string text;         // kString
  Bytes bytes;                 // kBytes
  std::vector<Value> items;    // kList; kDict/kMap as key, value, key, value...
  std::shared_ptr<ObjectRef> object;  // kObject
  std::shared_ptr<JsRef> function;    // kFunction
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_VALUE_H_
