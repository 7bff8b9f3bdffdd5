// Finding an init function by symbol name at run time, for
// importByInitFunc(name, { symbol, library }): the renamed-symbol approach
// of seed 001 (Google names PyInit functions after the full module name and
// finds them with dlsym).
#ifndef STATIC_PY_LOADER_INIT_SYMBOL_H_
#define STATIC_PY_LOADER_INIT_SYMBOL_H_

#include <string>

#include "loader/static_table_data.h"

namespace static_py {

class InitSymbol {
 public:
  // `symbol` from `library` (opened once and kept open, as CPython keeps
  // extension modules), or, without a library, from the global scope and
  // then this addon. Null with *error set when it cannot be found.
  static StaticInitFunc Resolve(const std::string& symbol, const std::string& library, std::string* error);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_INIT_SYMBOL_H_
