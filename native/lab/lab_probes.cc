#include "lab/lab_probes.h"

#include <Python.h>

#include <string>

#include "env/env_state.h"
#include "interp/interpreter.h"
#include "lab/copy_owners.h"
#include "lab/init_counter.h"
#include "runtime/process_state.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

// dict[key] = value, stealing `value`; false with an exception on failure.
bool SetNew(PyObject* dict, const char* key, PyObject* value) {
  PyRef v = PyRef::Steal(value);
  return v && PyDict_SetItemString(dict, key, v.get()) == 0;
}

PyObject* NewNone() {
  Py_INCREF(Py_None);
  return Py_None;
}

PyObject* Address(const void* p) { return p != nullptr ? PyUnicode_FromFormat("%p", p) : NewNone(); }

// Where a single-phase def's m_copy is, and whose objects it holds.
PyObject* DescribeCopy(PyModuleDef* def) {
  if (def == nullptr || def->m_size != -1) return NewNone();
  const bool per_interpreter = ProcessState::Get().policy() == CachePolicy::kIsolated;
  const int64_t owner = CopyOwners::Installed().OwnerOf(def, per_interpreter);
  PyRef copy = PyRef::Steal(PyDict_New());
  bool ok = copy && SetNew(copy.get(), "present", PyBool_FromLong(owner != CopyOwners::kNoCopy)) &&
            SetNew(copy.get(), "owner", owner >= 0                       ? PyLong_FromLongLong(owner)
                                        : owner == CopyOwners::kNoCopy ? NewNone()
                                                                       : PyUnicode_FromString("unknown")) &&
            SetNew(copy.get(), "kept", PyUnicode_FromString(per_interpreter ? "per-interpreter" : "in the def"));
  return ok ? copy.release() : nullptr;
}

// Addresses are strings ("0x7f..."), or None.
PyObject* ProbeModule(PyObject* module) {
  const bool is_module = PyModule_Check(module);
  PyModuleDef* def = is_module ? PyModule_GetDef(module) : nullptr;
  void* state = is_module ? PyModule_GetState(module) : nullptr;
  PyErr_Clear();
  const char* kind = def == nullptr ? "none" : def->m_slots != nullptr ? "multi-phase" : "single-phase";
  PyRef info = PyRef::Steal(PyDict_New());
  bool ok = info && SetNew(info.get(), "id", PyLong_FromVoidPtr(module)) && SetNew(info.get(), "def", Address(def)) &&
            SetNew(info.get(), "initKind", PyUnicode_FromString(kind)) &&
            SetNew(info.get(), "mCopy", DescribeCopy(def)) && SetNew(info.get(), "state", Address(state));
  return ok ? info.release() : nullptr;
}

}  // namespace

Napi::Object LabProbes::Init(Napi::Env env) {
  Napi::Object lab = Napi::Object::New(env);
  lab.Set("observeCopies", Napi::Function::New(env, &LabProbes::JSObserveCopies, "observeCopies"));
  lab.Set("moduleState", Napi::Function::New(env, &LabProbes::JSModuleState, "moduleState"));
  lab.Set("countInits", Napi::Function::New(env, &LabProbes::JSCountInits, "countInits"));
  lab.Set("initCalls", Napi::Function::New(env, &LabProbes::JSInitCalls, "initCalls"));
  lab.Set("libraryInitCalls", Napi::Function::New(env, &LabProbes::JSLibraryInitCalls, "libraryInitCalls"));
  return lab;
}

Napi::Value LabProbes::JSObserveCopies(const Napi::CallbackInfo& info) {
  CopyOwners::Installed();
  return info.Env().Undefined();
}

Napi::Value LabProbes::JSCountInits(const Napi::CallbackInfo& info) {
  InitCounter::Installed();
  return info.Env().Undefined();
}

namespace {

Napi::Object CallsToJS(Napi::Env env, const InitCounter::Calls& calls) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("count", Napi::Number::New(env, static_cast<double>(calls.count)));
  out.Set("interpreter", calls.interpreter < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(calls.interpreter)));
  return out;
}

}  // namespace

Napi::Value LabProbes::JSInitCalls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [name, calls] : InitCounter::Installed().StaticCalls()) out.Set(name, CallsToJS(env, calls));
  return out;
}

Napi::Value LabProbes::JSLibraryInitCalls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  InitCounter::Calls calls;
  if (!InitCounter::LibraryCalls(info[0].As<Napi::String>().Utf8Value(), &calls)) return env.Null();
  return CallsToJS(env, calls);
}

Napi::Value LabProbes::JSModuleState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  Interpreter* interp = EnvState::From(env)->FindInterpreter(id);
  if (interp == nullptr) {
    throw Napi::Error::New(env, "static-py: interpreter " + std::to_string(id) +
                                    " is not one of this thread's live interpreters (closed, or created in another thread)");
  }
  CopyOwners::Installed();
  return interp->Invoke(env, [&]() -> PyObject* {
    PyRef key = PyRef::Steal(PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size())));
    if (!key) return nullptr;
    PyObject* module = PyDict_GetItemWithError(PyImport_GetModuleDict(), key.get());  // borrowed
    if (module == nullptr) {
      if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_LookupError, "module %R is not imported in interpreter %lld", key.get(),
                     static_cast<long long>(id));
      }
      return nullptr;
    }
    return ProbeModule(module);
  });
}

}  // namespace static_py
