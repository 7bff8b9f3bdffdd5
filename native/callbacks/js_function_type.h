// The Python face of JS functions: a small callable type, `JSFunction`, and
// the exception `JSError`, made once per interpreter (kept in the
// interpreter's own dict, PyInterpreterState_GetDict) so that no object is
// shared between interpreters. Calling a JSFunction runs its JS function
// (CallbackHub's rules A-D); `f.call_soon(...)` queues it without waiting.
// A JSError carries the JS error itself, so the JS caller of Python code
// that lets it propagate gets that same object back (PythonException).
// Every function here needs the GIL of the current interpreter.
#ifndef STATIC_PY_CALLBACKS_JS_FUNCTION_TYPE_H_
#define STATIC_PY_CALLBACKS_JS_FUNCTION_TYPE_H_

#include <Python.h>

#include <memory>

#include "callbacks/callback_hub.h"
#include "objects/object_registry.h"

namespace static_py {

class JsRef;

class JsFunctionType {
 public:
  // A new JSFunction for `fn`, whose arguments and results convert with
  // `registry` (the Node thread's objects of this interpreter). New reference, or null.
  static PyObject* Wrap(std::shared_ptr<JsRef> fn, std::shared_ptr<ObjectRegistry> registry);
  // `obj`'s JS function, when it is a JSFunction; else null.
  static std::shared_ptr<JsRef> Unwrap(PyObject* obj);
  // What JS threw, when `exc` is a JSError that carries it; else null.
  static std::shared_ptr<JsRef> ThrownBy(PyObject* exc);

  // JS -> Python -> JS nesting deeper than this on one thread raises
  // RecursionError before any stack can run out.
  static constexpr int kMaxNesting = 200;

 private:
  static PyObject* Call(PyObject* self, PyObject* args, PyObject* kwargs);
  static PyObject* CallSoon(PyObject* self, PyObject* args, PyObject* kwargs);
#if PY_VERSION_HEX >= 0x03090000
  static PyObject* VectorCall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames);
#endif
  static PyObject* Invoke(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwargs, bool wait);
  static void Dealloc(PyObject* self);
  static PyObject* Repr(PyObject* self);
  // Sets JSError (or TypeError, RuntimeError) from a call's outcome.
  static void Raise(CallbackHub::Outcome& outcome);
  // This interpreter's type (or exception class) named `key`, made on
  // first use unless `make` is false (then null when there is none). Borrowed.
  static PyObject* TypeOf(const char* key, bool make = true);
};

}  // namespace static_py

#endif  // STATIC_PY_CALLBACKS_JS_FUNCTION_TYPE_H_
