// python.configure({ loader, packageContext }) and python.loader: the
// loader's two process-wide settings, as lib/ sees them. The settings
// themselves, and the rule for who may change them, are ProcessState's.
#ifndef STATIC_PY_ENV_LOADER_SETTINGS_H_
#define STATIC_PY_ENV_LOADER_SETTINGS_H_

#include <napi.h>

namespace static_py {

class LoaderSettings {
 public:
  // configureLoader({ policy?: 'cpython' | 'isolated', packageContext?: boolean }):
  // asks for each setting given, for the whole process; throws when the
  // rule (ProcessState::ChoosePolicy) refuses one. Returns the settings.
  static Napi::Value JSConfigure(const Napi::CallbackInfo& info);
  // loaderSettings(): { policy, packageContext, policyFixed } for the process.
  static Napi::Value JSSettings(const Napi::CallbackInfo& info);
};

}  // namespace static_py

#endif  // STATIC_PY_ENV_LOADER_SETTINGS_H_
