// What this build is and what it runs on, for lib/: the running libpython's
// version (python.version), the layout of CPython's private structures the
// addon was compiled against (checked by lib/layouts.ts), and the static
// table (python.staticModules()). Callable before Python starts.
#ifndef STATIC_PY_ENV_BUILD_REPORT_H_
#define STATIC_PY_ENV_BUILD_REPORT_H_

#include <napi.h>

namespace static_py {

class BuildReport {
 public:
  // version(): { major, minor, micro, releaselevel, serial, hexversion,
  // debug, sharedLibrary, staticLibrary, tag, compiledWith, release,
  // layout, started }.
  static Napi::Value JSVersion(const Napi::CallbackInfo& info);
  // staticModules(): the table's modules in name order, { count, names,
  // symbols (each one string, NUL-separated), kindNames (InitKindName of
  // each InitKind) }; staticModuleKinds(): a Uint8Array, each module's
  // InitKind in the same order.
  static Napi::Value JSStaticModules(const Napi::CallbackInfo& info);
  static Napi::Value JSStaticModuleKinds(const Napi::CallbackInfo& info);
};

}  // namespace static_py

#endif  // STATIC_PY_ENV_BUILD_REPORT_H_
