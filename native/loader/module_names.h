// What makes a module name one no import could produce, written once for the
// whole run time: the loader raises ValueError with it (names reaching the C
// API and the finder), and lib/errors.ts asks for it (names passed to the JS
// API). The manifest's stricter rule (components are identifiers) is the
// build's, checked before any addon exists (scripts/lib/manifest.mjs).
#ifndef STATIC_PY_LOADER_MODULE_NAMES_H_
#define STATIC_PY_LOADER_MODULE_NAMES_H_

#include <string_view>

namespace static_py {

// Null when `name` (UTF-8) is well formed, else what is wrong with it,
// phrased to follow "the module name ...".
inline const char* ModuleNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (name.front() == '.' || name.back() == '.') return "starts or ends with a dot";
  if (name.find("..") != std::string_view::npos) return "has an empty component (two dots in a row)";
  return nullptr;
}

}  // namespace static_py

#endif  // STATIC_PY_LOADER_MODULE_NAMES_H_
