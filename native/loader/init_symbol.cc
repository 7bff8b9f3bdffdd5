#include "loader/init_symbol.h"

#include <dlfcn.h>

#include "util/shared_object.h"

namespace static_py {

StaticInitFunc InitSymbol::Resolve(const std::string& symbol, const std::string& library, std::string* error) {
  if (!library.empty()) {
    // Never closed: the module's code must outlive every module made from it.
    void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      *error = "cannot open " + library + ": " + (why ? why : "unknown error");
      return nullptr;
    }
    if (void* found = dlsym(handle, symbol.c_str())) return reinterpret_cast<StaticInitFunc>(found);
    *error = "no symbol " + symbol + " in " + library;
    return nullptr;
  }
  if (void* found = dlsym(RTLD_DEFAULT, symbol.c_str())) return reinterpret_cast<StaticInitFunc>(found);
  // This addon is loaded with RTLD_LOCAL, so its own symbols are not in the
  // global scope: look in it explicitly.
  const std::string self = FileContaining(reinterpret_cast<void*>(&InitSymbol::Resolve));
  if (!self.empty()) {
    if (void* handle = dlopen(self.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      void* found = dlsym(handle, symbol.c_str());
      dlclose(handle);  // only drops the reference RTLD_NOLOAD added
      if (found != nullptr) return reinterpret_cast<StaticInitFunc>(found);
    }
  }
  *error = "no symbol " + symbol + " in the global scope or in this addon (name the library that defines it in options.library)";
  return nullptr;
}

}  // namespace static_py
