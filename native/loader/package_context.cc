#include "loader/package_context.h"

#include <cstring>

#include "cpython/internals.h"
#include "errors/py_boundary.h"
#include "runtime/process_state.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

#if PY_VERSION_HEX >= 0x030C0000
// Like CPython's own: per thread, because own-GIL interpreters run init
// functions on several threads at once.
thread_local const char* t_context = nullptr;
thread_local bool t_consumed = false;
#endif

}  // namespace

bool PackageContext::enabled() { return ProcessState::Get().package_context(); }

PyObject* PackageContext::CallInit(const char* fullname, StaticInitFunc initfunc, bool* consumed) {
  *consumed = false;
  if (!enabled()) return initfunc();
#if PY_VERSION_HEX < 0x030C0000
  const char* previous = static_py_swap_package_context(fullname);
  PyObject* result = initfunc();
  // PyModule_Create2 resets the context to NULL when it uses it.
  *consumed = static_py_swap_package_context(previous) == nullptr;
  return result;
#else
  const char* previous = t_context;
  bool previous_consumed = t_consumed;
  t_context = fullname;
  t_consumed = false;
  PyObject* result = initfunc();
  *consumed = t_consumed;
  t_context = previous;
  t_consumed = previous_consumed;
  return result;
#endif
}

const char* PackageContext::Consume(const char* short_name) {
#if PY_VERSION_HEX >= 0x030C0000
  const char* context = t_context;
  if (context == nullptr || short_name == nullptr) return nullptr;
  const char* dot = std::strrchr(context, '.');
  if (dot == nullptr || std::strcmp(dot + 1, short_name) != 0) return nullptr;
  t_context = nullptr;
  t_consumed = true;
  return context;
#else
  (void)short_name;
  return nullptr;
#endif
}

}  // namespace static_py

#if PY_VERSION_HEX >= 0x030C0000
// Reached instead of PyModule_Create2 by every object linked into the addon
// (-Wl,--wrap=PyModule_Create2, see package_context.h).
extern "C" PyObject* __real_PyModule_Create2(PyModuleDef* def, int apiver);

extern "C" PyObject* __wrap_PyModule_Create2(PyModuleDef* def, int apiver) {
  return static_py::PyBoundary::Object("PyModule_Create2", [&]() -> PyObject* {
    const char* fullname = static_py::PackageContext::Consume(def != nullptr ? def->m_name : nullptr);
    static_py::PyRef module = static_py::PyRef::Steal(__real_PyModule_Create2(def, apiver));
    if (!module || fullname == nullptr) return module.release();
    static_py::PyRef name = static_py::PyRef::Steal(PyUnicode_FromString(fullname));
    if (!name || static_py_rename_new_module(module.get(), name.get()) < 0) return nullptr;
    return module.release();
  });
}
#endif
