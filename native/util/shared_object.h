// Which loaded file holds an address (dladdr), written once: the addon
// itself, libpython, or a library an init function came from.
#ifndef STATIC_PY_UTIL_SHARED_OBJECT_H_
#define STATIC_PY_UTIL_SHARED_OBJECT_H_

#include <dlfcn.h>

#include <string>

namespace static_py {

// The path of the shared object holding `address`, or "" when the dynamic
// linker cannot tell.
inline std::string FileContaining(const void* address) {
  Dl_info info;
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return std::string();
  return info.dli_fname;
}

}  // namespace static_py

#endif  // STATIC_PY_UTIL_SHARED_OBJECT_H_
