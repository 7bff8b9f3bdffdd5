// Who may stand between static-py and a static module's init function: the
// lab's init counter (native/lab/init_counter.h), which counts init calls
// without the module's cooperation. StaticTable::Init hands out what the
// observer returns instead of the table's function, so the loader, the
// caches and CPython (through PyModuleDef.m_init) all call that one; the
// loader itself needs none of it. Set once, before the first static import.
#ifndef STATIC_PY_LOADER_INIT_OBSERVER_H_
#define STATIC_PY_LOADER_INIT_OBSERVER_H_

#include "loader/static_table.h"

namespace static_py {

class InitObserver {
 public:
  virtual ~InitObserver() = default;
  // A function that does what `init` does, for the module `name` (UTF-8),
  // the same one each time it is asked for the same `init`. Any thread.
  virtual StaticInitFunc Interpose(const char* name, StaticInitFunc init) = 0;
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_INIT_OBSERVER_H_
