#include "errors/python_exception.h"

#include <Python.h>

#include "callbacks/callback_hub.h"
#include "callbacks/js_function_type.h"
#include "callbacks/js_ref.h"
#include "env/env_state.h"
#include "util/py_ref.h"
#include "util/py_strings.h"

namespace static_py {
namespace {

// "ZeroDivisionError" for builtins and __main__ (as the traceback module
// prints them), "json.decoder.JSONDecodeError" otherwise.
std::string QualifiedTypeName(PyObject* type) {
  PyRef qualname = PyRef::Steal(PyObject_GetAttrString(type, "__qualname__"));
  PyRef module = PyRef::Steal(PyObject_GetAttrString(type, "__module__"));
  PyErr_Clear();
  std::string name = Utf8(qualname.get());
  if (name.empty()) name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
  std::string mod = Utf8(module.get());
  if (!mod.empty() && mod != "builtins" && mod != "__main__") name = mod + "." + name;
  return name;
}

// traceback.format_exception(), with `source` lent to linecache meanwhile.
std::string FormatTraceback(PyObject* type, PyObject* value, PyObject* tb, PythonException::Source source) {
  PyRef traceback = PyRef::Steal(PyImport_ImportModule("traceback"));
  PyRef linecache = PyRef::Steal(PyImport_ImportModule("linecache"));
  PyRef cache = linecache ? PyRef::Steal(PyObject_GetAttrString(linecache.get(), "cache")) : PyRef();
  PyRef filename;
  if (cache && source.filename != nullptr && source.text != nullptr) {
    filename = PyRef::Steal(PyUnicode_FromString(source.filename));
    PyRef text = PyRef::Steal(PyUnicode_DecodeUTF8(source.text->data(), static_cast<Py_ssize_t>(source.text->size()), "replace"));
    PyRef lines = text ? PyRef::Steal(PyUnicode_Splitlines(text.get(), 1)) : PyRef();
    PyRef entry = lines ? PyRef::Steal(Py_BuildValue("(nOOO)", static_cast<Py_ssize_t>(source.text->size()), Py_None,
                                                     lines.get(), filename.get()))
                        : PyRef();
    if (!entry || PyDict_SetItem(cache.get(), filename.get(), entry.get()) < 0) filename.reset();
  }
  std::string result;
  PyRef lines = traceback ? PyRef::Steal(PyObject_CallMethod(traceback.get(), "format_exception", "OOO", type,
                                                             value ? value : Py_None, tb ? tb : Py_None))
                          : PyRef();
  PyRef empty = PyRef::Steal(PyUnicode_FromString(""));
  PyRef joined = lines && empty ? PyRef::Steal(PyUnicode_Join(empty.get(), lines.get())) : PyRef();
  if (joined) result = Utf8(joined.get());
  if (filename && PyDict_DelItem(cache.get(), filename.get()) < 0) PyErr_Clear();
  PyErr_Clear();
  return result;
}

}  // namespace

PythonException PythonException::Fetch(Source source) {
  PythonException out;
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (type == nullptr) {
    out.type_ = "SystemError";
    out.message_ = "static-py: an operation failed without setting a Python exception";
    return out;
  }
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != nullptr && value != nullptr) PyException_SetTraceback(value, tb);
  PyRef type_ref = PyRef::Steal(type), value_ref = PyRef::Steal(value), tb_ref = PyRef::Steal(tb);

  out.js_thrown_ = JsFunctionType::ThrownBy(value);
  out.type_ = QualifiedTypeName(type);
  if (value != nullptr) {
    PyRef str = PyRef::Steal(PyObject_Str(value));
    if (str) {
      out.message_ = Utf8(str.get());
    } else {
      PyErr_Clear();
      out.message_ = "<exception str() failed>";
    }
  }
  out.traceback_ = FormatTraceback(type, value, tb, source);
  if (out.traceback_.empty()) out.traceback_ = out.type_ + ": " + out.message_ + "\n";
  return out;
}

Napi::Error PythonException::ToJs(EnvState* state) const {
  Napi::Env env = state->env();
  if (js_thrown_ && js_thrown_->hub() == state->callbacks()) {
    Napi::Value thrown = js_thrown_->Get(env);
    if (thrown.IsObject()) return Napi::Error(env, thrown);
  }
  Napi::Value error = state->python_error_class().New({
      Napi::String::New(env, type_),
      Napi::String::New(env, message_),
      Napi::String::New(env, traceback_),
  });
  return Napi::Error(env, error);
}

}  // namespace static_py
