#include "callbacks/js_function_type.h"

#if PY_VERSION_HEX < 0x030C0000
#include <structmember.h>  // T_PYSSIZET, READONLY (in Python.h as Py_T_PYSSIZET from 3.12)
#endif

#include <cstring>
#include <string>
#include <utility>

#include "callbacks/js_ref.h"
#include "convert/py_converter.h"
#include "cpython/compat.h"
#include "errors/py_boundary.h"
#include "runtime/gil_nudger.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

const char kFunctionKey[] = "static_py.JSFunction";
const char kErrorKey[] = "static_py.JSError";
const char kCapsuleName[] = "static_py.JsRef";

struct JsFunctionObject {
  PyObject_HEAD
  std::shared_ptr<JsRef>* fn;
  std::shared_ptr<ObjectRegistry>* registry;
#if PY_VERSION_HEX >= 0x03090000
  vectorcallfunc vectorcall;  // calls without a tuple of arguments (heap types can say so from 3.9)
#endif
};

// JS -> Python -> JS calls nested on this thread (rule A).
thread_local int t_nesting = 0;

// The calling thread's thread state detached for the guard's life (rule 8),
// then attached again through the nudger (rule 7).
class Detached {
 public:
  Detached() : tstate_(PyEval_SaveThread()) {}
  ~Detached() { GilNudger::Attach(tstate_); }
  Detached(const Detached&) = delete;
  Detached& operator=(const Detached&) = delete;

 private:
  PyThreadState* tstate_;
};

void FreeCapsule(PyObject* capsule) {
  delete static_cast<std::shared_ptr<JsRef>*>(PyCapsule_GetPointer(capsule, kCapsuleName));
}

}  // namespace

PyObject* JsFunctionType::TypeOf(const char* key, bool make) {
  PyObject* dict = PyInterpreterState_GetDict(compat::CurrentInterpreter());  // borrowed
  if (dict == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "static-py: this interpreter has no dict for extension state");
    return nullptr;
  }
  PyObject* found = PyDict_GetItemString(dict, key);  // borrowed
  if (found != nullptr || !make) return found;
  PyRef made;
  if (std::strcmp(key, kErrorKey) == 0) {
    made = PyRef::Steal(PyErr_NewExceptionWithDoc(
        kErrorKey, "An exception a JavaScript function threw: .name, .message and .stack are the JS error's.", PyExc_Exception,
        nullptr));
  } else {
    static PyMethodDef methods[] = {
        {"call_soon", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(&JsFunctionType::CallSoon)),
         METH_VARARGS | METH_KEYWORDS,
         "Queue a call on the function's Node thread and return None at once (for event-style callbacks)."},
        {nullptr, nullptr, 0, nullptr},
    };
#if PY_VERSION_HEX >= 0x03090000
    static PyMemberDef members[] = {
#if PY_VERSION_HEX >= 0x030C0000
        {"__vectorcalloffset__", Py_T_PYSSIZET, offsetof(JsFunctionObject, vectorcall), Py_READONLY, nullptr},
#else
        {"__vectorcalloffset__", T_PYSSIZET, offsetof(JsFunctionObject, vectorcall), READONLY, nullptr},
#endif
        {nullptr, 0, 0, 0, nullptr},
    };
    constexpr unsigned long kFlags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL;
#else
    constexpr unsigned long kFlags = Py_TPFLAGS_DEFAULT;
#endif
    static PyType_Slot slots[] = {
        {Py_tp_call, reinterpret_cast<void*>(&JsFunctionType::Call)},
#if PY_VERSION_HEX >= 0x03090000
        {Py_tp_members, members},
#endif
        {Py_tp_dealloc, reinterpret_cast<void*>(&JsFunctionType::Dealloc)},
        {Py_tp_repr, reinterpret_cast<void*>(&JsFunctionType::Repr)},
        {Py_tp_methods, methods},
        {Py_tp_doc, const_cast<char*>("A JavaScript function, called on the Node thread it came from.")},
        {0, nullptr},
    };
    static PyType_Spec spec = {kFunctionKey, sizeof(JsFunctionObject), 0, kFlags, slots};
    made = PyRef::Steal(PyType_FromSpec(&spec));
  }
  if (!made || PyDict_SetItemString(dict, key, made.get()) < 0) return nullptr;
  return made.get();  // the dict keeps it
}

PyObject* JsFunctionType::Wrap(std::shared_ptr<JsRef> fn, std::shared_ptr<ObjectRegistry> registry) {
  auto* type = reinterpret_cast<PyTypeObject*>(TypeOf(kFunctionKey));
  if (type == nullptr) return nullptr;
  auto* self = reinterpret_cast<JsFunctionObject*>(PyType_GenericAlloc(type, 0));
  if (self == nullptr) return nullptr;
  self->fn = new std::shared_ptr<JsRef>(std::move(fn));
  self->registry = new std::shared_ptr<ObjectRegistry>(std::move(registry));
#if PY_VERSION_HEX >= 0x03090000
  self->vectorcall = &JsFunctionType::VectorCall;
#endif
  return reinterpret_cast<PyObject*>(self);
}

std::shared_ptr<JsRef> JsFunctionType::Unwrap(PyObject* obj) {
  if (Py_TYPE(obj)->tp_call != &JsFunctionType::Call) return nullptr;
  return *reinterpret_cast<JsFunctionObject*>(obj)->fn;
}

std::shared_ptr<JsRef> JsFunctionType::ThrownBy(PyObject* exc) {
  // Never made here: an interpreter no JS function ever raised in has no JSError.
  PyObject* cls = exc != nullptr ? TypeOf(kErrorKey, /*make=*/false) : nullptr;
  if (cls == nullptr || PyObject_TypeCheck(exc, reinterpret_cast<PyTypeObject*>(cls)) == 0) {
    PyErr_Clear();
    return nullptr;
  }
  PyRef capsule = PyRef::Steal(PyObject_GetAttrString(exc, "_js_error"));
  void* held = capsule ? PyCapsule_GetPointer(capsule.get(), kCapsuleName) : nullptr;
  PyErr_Clear();
  return held != nullptr ? *static_cast<std::shared_ptr<JsRef>*>(held) : nullptr;
}

void JsFunctionType::Dealloc(PyObject* self) {
  auto* o = reinterpret_cast<JsFunctionObject*>(self);
  delete o->fn;  // the JS function goes on its own thread (JsRef)
  delete o->registry;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* JsFunctionType::Repr(PyObject* self) {
  return PyUnicode_FromFormat("<JS function at %p>", static_cast<void*>(self));
}

PyObject* JsFunctionType::Call(PyObject* self, PyObject* args, PyObject* kwargs) {
  return PyBoundary::Object("JSFunction.__call__", [&] {
    return Invoke(self, reinterpret_cast<PyTupleObject*>(args)->ob_item, PyTuple_GET_SIZE(args), kwargs, /*wait=*/true);
  });
}

#if PY_VERSION_HEX >= 0x03090000
PyObject* JsFunctionType::VectorCall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  return PyBoundary::Object("JSFunction.__call__", [&]() -> PyObject* {
    const Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (kwnames == nullptr || PyTuple_GET_SIZE(kwnames) == 0) return Invoke(self, args, n, nullptr, /*wait=*/true);
    // Keywords reach JS as one object: the dict tp_call would have had.
    PyRef kwargs = PyRef::Steal(PyDict_New());
    if (!kwargs) return nullptr;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
      if (PyDict_SetItem(kwargs.get(), PyTuple_GET_ITEM(kwnames, i), args[n + i]) < 0) return nullptr;
    }
    return Invoke(self, args, n, kwargs.get(), /*wait=*/true);
  });
}
#endif

PyObject* JsFunctionType::CallSoon(PyObject* self, PyObject* args, PyObject* kwargs) {
  return PyBoundary::Object("JSFunction.call_soon", [&] {
    return Invoke(self, reinterpret_cast<PyTupleObject*>(args)->ob_item, PyTuple_GET_SIZE(args), kwargs, /*wait=*/false);
  });
}

PyObject* JsFunctionType::Invoke(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwargs, bool wait) {
  auto* o = reinterpret_cast<JsFunctionObject*>(self);
  const std::shared_ptr<JsRef>& fn = *o->fn;
  const std::shared_ptr<ObjectRegistry>& registry = *o->registry;
  CallbackHub::Arguments call;
  call.interpreter_id = compat::CurrentInterpreterId();
  if (call.interpreter_id != registry->interpreter_id()) {
    PyErr_Format(PyExc_TypeError, "static-py: this JS function was given to interpreter %lld and cannot be called from interpreter %lld",
                 static_cast<long long>(registry->interpreter_id()), static_cast<long long>(call.interpreter_id));
    return nullptr;
  }
  PyConverter converter(registry, /*borrow_bytes=*/false);
  call.positional.resize(static_cast<size_t>(nargs));
  for (Py_ssize_t i = 0; i < nargs; i++) {
    if (!converter.FromPython(args[i], &call.positional[static_cast<size_t>(i)])) return nullptr;
  }
  if (kwargs != nullptr && PyDict_GET_SIZE(kwargs) > 0 && !converter.FromPython(kwargs, &call.keywords)) return nullptr;

  const std::shared_ptr<CallbackHub>& hub = fn->hub();
  const bool here = wait && hub->OnJsThread();
  if (here && t_nesting >= kMaxNesting) {
    PyErr_Format(PyExc_RecursionError, "static-py: JS -> Python -> JS calls nested more than %d deep on this thread", kMaxNesting);
    return nullptr;
  }
  // Made in place: an outcome is large, and this is every callback's path.
  CallbackHub::Outcome outcome = [&] {
    Detached detached;
    if (!here) return hub->CallQueued(fn, std::move(call), wait);
    ++t_nesting;
    CallbackHub::Outcome out = hub->CallHere(*fn, call);
    --t_nesting;
    return out;
  }();
  if (outcome.kind != CallbackHub::Outcome::Kind::kReturned) {
    Raise(outcome);
    return nullptr;
  }
  return converter.ToPython(outcome.result, ConversionPath("the JS function's return value")).release();
}

void JsFunctionType::Raise(CallbackHub::Outcome& outcome) {
  using Kind = CallbackHub::Outcome::Kind;
  if (outcome.kind == Kind::kBadResult) {
    PyErr_SetString(PyExc_TypeError, outcome.why.c_str());
    return;
  }
  if (outcome.kind == Kind::kRefused) {
    PyErr_SetString(PyExc_RuntimeError, outcome.why.c_str());
    return;
  }
  PyObject* cls = TypeOf(kErrorKey);
  if (cls == nullptr) return;
  const std::string text = outcome.name.empty() ? outcome.message : outcome.name + ": " + outcome.message;
  PyRef exc = PyRef::Steal(PyObject_CallFunction(cls, "s", text.c_str()));
  if (!exc) return;
  auto* held = new std::shared_ptr<JsRef>(std::move(outcome.thrown));
  PyRef capsule = PyRef::Steal(PyCapsule_New(held, kCapsuleName, &FreeCapsule));
  if (!capsule) delete held;
  PyRef name = PyRef::Steal(PyUnicode_FromString(outcome.name.c_str()));
  PyRef message = PyRef::Steal(PyUnicode_FromString(outcome.message.c_str()));
  PyRef stack = PyRef::Steal(PyUnicode_FromString(outcome.stack.c_str()));
  if (!capsule || !name || !message || !stack || PyObject_SetAttrString(exc.get(), "_js_error", capsule.get()) < 0 ||
      PyObject_SetAttrString(exc.get(), "name", name.get()) < 0 ||
      PyObject_SetAttrString(exc.get(), "message", message.get()) < 0 ||
      PyObject_SetAttrString(exc.get(), "stack", stack.get()) < 0) {
    return;
  }
  PyErr_SetObject(cls, exc.get());
}

}  // namespace static_py
