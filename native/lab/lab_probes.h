// The m_copy lab's native probes, exported as the addon's `lab` object, an
// internal binding that only lib/lab (the static-py/lab entry point) uses.
// The lab is a client of the library: it reads what the core reports
// (CacheObserver) and never changes how anything is imported.
#ifndef STATIC_PY_LAB_LAB_PROBES_H_
#define STATIC_PY_LAB_LAB_PROBES_H_

#include <napi.h>

namespace static_py {

class LabProbes {
 public:
  // { observeCopies, moduleState, countInits, initCalls, libraryInitCalls }
  static Napi::Object Init(Napi::Env env);

  // observeCopies(): from now on, record where every single-phase m_copy
  // comes from (process-wide; call before the first static import).
  static Napi::Value JSObserveCopies(const Napi::CallbackInfo& info);
  // moduleState(interpreterId, name): for a module imported in one of this
  // environment's interpreters, { id, def, initKind, mCopy, state }. Reads
  // the module object and its def; runs none of the module's code.
  static Napi::Value JSModuleState(const Napi::CallbackInfo& info);
  // countInits(): from now on, count every static init function's calls
  // (process-wide; call before the first static import).
  static Napi::Value JSCountInits(const Napi::CallbackInfo& info);
  // initCalls(): { [module name]: { count, interpreter } } for every static
  // module whose init function was handed out since countInits().
  static Napi::Value JSInitCalls(const Napi::CallbackInfo& info);
  // libraryInitCalls(path): the same for a shared-library form made with
  // the lab's init wrapper and already imported; null otherwise.
  static Napi::Value JSLibraryInitCalls(const Napi::CallbackInfo& info);
};

}  // namespace static_py

#endif  // STATIC_PY_LAB_LAB_PROBES_H_
