// Layout of the build-time static extension table (scripts/lib/codegen.mjs
// writes build/<tag>/gen/static_table.cc in this shape; keep them in step).
// The table is constant data: start-up does no per-module work.
#ifndef STATIC_PY_LOADER_STATIC_TABLE_DATA_H_
#define STATIC_PY_LOADER_STATIC_TABLE_DATA_H_

#include <Python.h>

#include <cstdint>

namespace static_py {

using StaticInitFunc = PyObject* (*)(void);

enum StaticEntryFlags : uint32_t {
  kEntryHasInit = 1,    // a static extension module
  kEntryIsPackage = 2,  // some static name lies below it
};

struct StaticModuleEntry {
  const char* name;     // full dotted name, UTF-8, NUL-terminated
  uint32_t name_len;    // in bytes
  uint32_t flags;
  uint64_t hash;        // FNV-1a of the name (StaticTable::Hash)
  const char* symbol;   // the init symbol as the sources spell it; null for a synthetic package
  StaticInitFunc init;  // null for a synthetic package
};

struct StaticTableData {
  const StaticModuleEntry* entries;  // sorted by name
  uint32_t count;                    // entries, synthetic packages included
  uint32_t module_count;             // entries with an init function
  const uint32_t* slots;             // open addressing: entry index + 1, 0 = empty
  uint32_t mask;                     // slot count - 1 (a power of two)
};

extern const StaticTableData kStaticTableData;

}  // namespace static_py

#endif  // STATIC_PY_LOADER_STATIC_TABLE_DATA_H_
