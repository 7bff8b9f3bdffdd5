// Python str -> UTF-8, written once.
#ifndef STATIC_PY_UTIL_PY_STRINGS_H_
#define STATIC_PY_UTIL_PY_STRINGS_H_

#include <Python.h>

#include <optional>
#include <string>
#include <string_view>

namespace static_py {

// `str`'s UTF-8 text, borrowed from the str (valid while it lives), or
// nothing when it has none (not a str, or lone surrogates), with the error
// cleared. GIL held.
inline std::optional<std::string_view> Utf8View(PyObject* str) {
  Py_ssize_t size = 0;
  const char* data = str != nullptr && PyUnicode_Check(str) ? PyUnicode_AsUTF8AndSize(str, &size) : nullptr;
  if (data == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  return std::string_view(data, static_cast<size_t>(size));
}

// The same, copied; "" when it has none.
inline std::string Utf8(PyObject* str) { return std::string(Utf8View(str).value_or(std::string_view())); }

}  // namespace static_py

#endif  // STATIC_PY_UTIL_PY_STRINGS_H_
