#include "convert/py_converter.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "callbacks/js_function_type.h"


namespace static_py {
namespace {

// Deeper nesting than this stays an opaque handle rather than recursing.
constexpr int kMaxDepth = 512;
constexpr int64_t kMaxSafeInteger = 9007199254740991LL;  // 2^53 - 1

bool StringToUtf16(PyObject* str, std::u16string* out) {
#if PY_VERSION_HEX < 0x030C0000
  if (PyUnicode_READY(str) < 0) return false;
#endif
  const Py_ssize_t length = PyUnicode_GET_LENGTH(str);
  const void* data = PyUnicode_DATA(str);
  switch (PyUnicode_KIND(str)) {
    case PyUnicode_1BYTE_KIND: {
      const Py_UCS1* p = static_cast<const Py_UCS1*>(data);
      out->assign(p, p + length);
      return true;
    }
    case PyUnicode_2BYTE_KIND: {
      const Py_UCS2* p = static_cast<const Py_UCS2*>(data);
      out->assign(p, p + length);
      return true;
    }
    default: {
      const Py_UCS4* p = static_cast<const Py_UCS4*>(data);
      out->clear();
      out->reserve(length + length / 4);
      for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = p[i];
        if (c < 0x10000) {
          out->push_back(static_cast<char16_t>(c));
        } else {
          c -= 0x10000;
          out->push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
          out->push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
        }
      }
      return true;
    }
  }
}

PyObject* Utf16ToString(const std::u16string& text) {
  bool surrogates = std::any_of(text.begin(), text.end(), [](char16_t c) { return c >= 0xD800 && c <= 0xDFFF; });
  if (!surrogates) {
    // Plain UCS-2: let CPython pick the narrowest representation.
    return PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, text.data(), static_cast<Py_ssize_t>(text.size()));
  }
  // Pairs combine into astral characters; lone surrogates survive as they
  // would in a JS string, thanks to surrogatepass.
  int byteorder = -1;  // little-endian, like char16_t on every platform we build for
  return PyUnicode_DecodeUTF16(reinterpret_cast<const char*>(text.data()),
                               static_cast<Py_ssize_t>(text.size() * 2), "surrogatepass", &byteorder);
}

bool IntToValue(PyObject* obj, Value* out) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
  if (v == -1 && PyErr_Occurred()) return false;
  if (overflow == 0 && v >= -kMaxSafeInteger && v <= kMaxSafeInteger) {
    out->kind = Value::Kind::kInt;
    out->integer = v;
    return true;
  }
  // Base 16 is exempt from int_max_str_digits, so any size converts.
  PyRef hex = PyRef::Steal(PyNumber_ToBase(obj, 16));
  if (!hex) return false;
  const char* s = PyUnicode_AsUTF8(hex.get());
  if (s == nullptr) return false;
  out->kind = Value::Kind::kBigInt;
  out->negative = s[0] == '-';
  out->hex = s + (out->negative ? 3 : 2);  // skip "-0x" / "0x"
  return true;
}

// V8's String::kMaxLength on 64-bit targets, in UTF-16 code units. A longer
// str stays a handle (sliceable in Python) instead of failing in V8.
constexpr Py_ssize_t kMaxJsStringLength = (Py_ssize_t{1} << 29) - 24;

bool FitsJsString(PyObject* str) {
#if PY_VERSION_HEX < 0x030C0000
  if (PyUnicode_READY(str) < 0) return true;  // StringToUtf16 reports the error
#endif
  // Characters beyond the BMP take two UTF-16 code units.
  const Py_ssize_t units_per_char = PyUnicode_MAX_CHAR_VALUE(str) > 0xFFFF ? 2 : 1;
  return PyUnicode_GET_LENGTH(str) <= kMaxJsStringLength / units_per_char;
}

}  // namespace

bool PyConverter::FromPython(PyObject* obj, Value* out) {
  std::vector<PyObject*> stack;
  return FromPythonAt(obj, out, &stack);
}

bool PyConverter::FromPythonAt(PyObject* obj, Value* out, std::vector<PyObject*>* stack) {
  using Kind = Value::Kind;
  if (obj == Py_None) {
    out->kind = Kind::kNone;
    return true;
  }
  if (PyBool_Check(obj)) {
    out->kind = Kind::kBool;
    out->boolean = obj == Py_True;
    return true;
  }
  if (PyLong_Check(obj)) return IntToValue(obj, out);
  if (PyFloat_Check(obj)) {
    out->kind = Kind::kFloat;
    out->number = PyFloat_AS_DOUBLE(obj);
    return true;
  }
  if (PyUnicode_Check(obj) && FitsJsString(obj)) {
    out->kind = Kind::kString;
    return StringToUtf16(obj, &out->text);
  }
  if (PyBytes_Check(obj)) {
    out->kind = Kind::kBytes;
    auto* data = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(obj));
    size_t size = static_cast<size_t>(PyBytes_GET_SIZE(obj));
    out->bytes = borrow_bytes_ ? Bytes::Borrow(data, size) : Bytes::Copy(data, size);
    borrowed_ = borrowed_ || borrow_bytes_;
    return true;
  }
  if (PyByteArray_Check(obj)) {
    out->kind = Kind::kBytes;
    out->bytes = Bytes::Copy(reinterpret_cast<const uint8_t*>(PyByteArray_AS_STRING(obj)),
                             static_cast<size_t>(PyByteArray_GET_SIZE(obj)));
    return true;
  }
  // Only the exact container types: a subclass (Counter, a namedtuple) has
  // behaviour a JS array or object would drop, so it stays a handle.
  const bool container = PyList_CheckExact(obj) || PyTuple_CheckExact(obj) || PyDict_CheckExact(obj);
  // A container that contains itself, or nests too deep, stays a handle at
  // the point of repetition instead of failing the whole conversion.
  if (container && stack->size() < kMaxDepth && std::find(stack->begin(), stack->end(), obj) == stack->end()) {
    stack->push_back(obj);
    bool ok = true;
    if (PyDict_CheckExact(obj)) {
      Py_ssize_t pos = 0;
      PyObject *key, *val;
      bool all_str = true;
      while (PyDict_Next(obj, &pos, &key, &val)) all_str = all_str && PyUnicode_Check(key);
      out->kind = all_str ? Kind::kDict : Kind::kMap;
      out->items.resize(2 * static_cast<size_t>(PyDict_GET_SIZE(obj)));
      pos = 0;
      size_t i = 0;
      // Nothing below runs Python code, so the dict cannot change under us.
      while (ok && PyDict_Next(obj, &pos, &key, &val)) {
        ok = FromPythonAt(key, &out->items[i], stack) && FromPythonAt(val, &out->items[i + 1], stack);
        i += 2;
      }
    } else {
      PyObject* seq = obj;
      Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
      PyObject** items = PySequence_Fast_ITEMS(seq);
      out->kind = Kind::kList;
      out->items.resize(static_cast<size_t>(n));
      for (Py_ssize_t i = 0; ok && i < n; i++) ok = FromPythonAt(items[i], &out->items[i], stack);
    }
    stack->pop_back();
    return ok;
  }
  if (std::shared_ptr<JsRef> fn = JsFunctionType::Unwrap(obj)) {
    // A JS function on its way back: JS gets the same function.
    out->kind = Kind::kFunction;
    out->function = std::move(fn);
    return true;
  }
  out->kind = Kind::kObject;
  Py_INCREF(obj);
  out->object = std::make_shared<ObjectRef>(registry_, obj);
  return true;
}

PyRef PyConverter::ToPython(const Value& value, ConversionPath path) { return ToPythonAt(value, &path); }

PyRef PyConverter::ToPythonAt(const Value& value, ConversionPath* path) {
  using Kind = Value::Kind;
  switch (value.kind) {
    case Kind::kNone:
      return PyRef::Borrow(Py_None);
    case Kind::kBool:
      return PyRef::Borrow(value.boolean ? Py_True : Py_False);
    case Kind::kInt:
      return PyRef::Steal(PyLong_FromLongLong(value.integer));
    case Kind::kBigInt: {
      std::string digits = (value.negative ? "-" : "") + value.hex;
      return PyRef::Steal(PyLong_FromString(digits.c_str(), nullptr, 16));
    }
    case Kind::kFloat:
      return PyRef::Steal(PyFloat_FromDouble(value.number));
    case Kind::kString:
      return PyRef::Steal(Utf16ToString(value.text));
    case Kind::kBytes:
      return PyRef::Steal(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(value.bytes.data()),
                                                    static_cast<Py_ssize_t>(value.bytes.size())));
    case Kind::kList: {
      PyRef list = PyRef::Steal(PyList_New(static_cast<Py_ssize_t>(value.items.size())));
      if (!list) return list;
      const size_t base = path->below().size();
      for (size_t i = 0; i < value.items.size(); i++) {
        path->below().append("[").append(std::to_string(i)).append("]");
        PyRef item = ToPythonAt(value.items[i], path);
        if (!item) return PyRef();
        path->below().resize(base);
        PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), item.release());
      }
      return list;
    }
    case Kind::kDict:
    case Kind::kMap: {
      PyRef dict = PyRef::Steal(PyDict_New());
      if (!dict) return dict;
      const size_t base = path->below().size();
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        PyRef key = ToPythonAt(value.items[i], path);
        if (!key) return PyRef();
        if (value.kind == Kind::kDict) {
          path->below().append(".");
          for (char16_t c : value.items[i].text) path->below().push_back(c < 0x80 ? static_cast<char>(c) : '?');
        } else {
          path->below().append(".get(").append(std::to_string(i / 2)).append(")");
        }
        PyRef val = ToPythonAt(value.items[i + 1], path);
        if (!val) return PyRef();
        path->below().resize(base);
        if (PyDict_SetItem(dict.get(), key.get(), val.get()) < 0) return PyRef();
      }
      return dict;
    }
    case Kind::kObject: {
      const ObjectRegistry* from = value.object->registry().get();
      if (from != registry_.get()) {
        PyErr_Format(PyExc_TypeError,
                     "%s is a PyObject of interpreter %lld and cannot be passed to interpreter %lld; "
                     "a Python object belongs to the interpreter (and the thread) that made it",
                     path->str().c_str(), static_cast<long long>(from->interpreter_id()),
                     static_cast<long long>(registry_->interpreter_id()));
        return PyRef();
      }
      if (value.object->get() == nullptr) {
        PyErr_Format(PyExc_ValueError, "%s is a released PyObject", path->str().c_str());
        return PyRef();
      }
      return PyRef::Borrow(value.object->get());
    }
    case Kind::kFunction:
      return PyRef::Steal(JsFunctionType::Wrap(value.function, registry_));
  }
  PyErr_SetString(PyExc_SystemError, "static-py: unknown value kind");
  return PyRef();
}

}  // namespace static_py
