#include "env/build_report.h"

#include <Python.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cpython/internals.h"
#include "loader/static_table.h"
#include "runtime/python_runtime.h"

namespace static_py {

// The version of the libpython this process runs, not of the headers the
// addon was compiled with: a cp311 prebuild made on 3.11.7 may run on
// 3.11.2. Py_GetVersion() is libpython's own PY_VERSION ("3.11.2 (main, ...",
// "3.14.0rc1 ..."), callable before Python starts; read through the runtime's
// copy (PythonRuntime::LibpythonVersion says why).
Napi::Value BuildReport::JSVersion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int major = 0, minor = 0, micro = 0, serial = 0, consumed = 0;
  char level[3] = "";
  const char* text = PythonRuntime::LibpythonVersion().c_str();
  sscanf(text, "%d.%d.%d%n", &major, &minor, &micro, &consumed);
  sscanf(text + consumed, "%2[abrc]%d", level, &serial);
  const std::string tag(level);
  const int hex_level = tag == "a" ? PY_RELEASE_LEVEL_ALPHA : tag == "b" ? PY_RELEASE_LEVEL_BETA
                        : tag == "rc" ? PY_RELEASE_LEVEL_GAMMA : PY_RELEASE_LEVEL_FINAL;
  char layout[17];
  snprintf(layout, sizeof layout, "%016" PRIx64, static_py_layout_signature());
  Napi::Object v = Napi::Object::New(env);
  v.Set("major", major);
  v.Set("minor", minor);
  v.Set("micro", micro);
  v.Set("releaselevel", tag == "a" ? "alpha" : tag == "b" ? "beta" : tag == "rc" ? "candidate" : "final");
  v.Set("serial", serial);
  v.Set("hexversion", static_cast<double>((major << 24) | (minor << 16) | (micro << 8) | (hex_level << 4) | serial));
#ifdef Py_DEBUG
  v.Set("debug", true);
#else
  v.Set("debug", false);
#endif
  v.Set("sharedLibrary", STATIC_PY_LINK_STATIC == 0);
  v.Set("staticLibrary", STATIC_PY_LINK_STATIC != 0);
  v.Set("tag", kBuildTag);
  v.Set("compiledWith", PY_VERSION);
  v.Set("release", std::string(text, strcspn(text, " ")));
  v.Set("layout", layout);
  v.Set("started", PythonRuntime::Get() != nullptr);
  return v;
}

// Columns, not objects: a Napi object and three property sets per module
// cost 2-4 us each, 40-80 ms for a table of 20,000. Names and symbols are
// the build's and never change, so lib/ asks for them once; the kinds,
// learnt as modules are imported, on every call.
Napi::Value BuildReport::JSStaticModules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string names;
  std::string symbols;
  uint32_t count = 0;
  StaticTable::ForEachModule([&](const StaticModuleEntry& entry, InitKind) {
    if (count++ > 0) {
      names += '\0';
      symbols += '\0';
    }
    names.append(StaticTable::Name(entry), entry.name_len);
    symbols += StaticTable::Symbol(entry);
  });
  Napi::Array kind_names = Napi::Array::New(env);
  for (InitKind kind : {InitKind::kUnknown, InitKind::kSinglePhase, InitKind::kMultiPhase}) {
    kind_names.Set(static_cast<uint32_t>(kind), InitKindName(kind));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("count", count);
  out.Set("names", Napi::String::New(env, names));
  out.Set("symbols", Napi::String::New(env, symbols));
  out.Set("kindNames", kind_names);
  return out;
}

Napi::Value BuildReport::JSStaticModuleKinds(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> kinds;
  StaticTable::ForEachModule([&](const StaticModuleEntry&, InitKind kind) { kinds.push_back(static_cast<uint8_t>(kind)); });
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), kinds.size());
  std::copy(kinds.begin(), kinds.end(), out.Data());
  return out;
}

}  // namespace static_py
