// Layout of the build-time static extension table (scripts/lib/codegen.mjs
// writes builds/<tag>/gen/static_table.cc in this shape; keep them in step).
// The table is constant data without a single pointer in it: names are
// offsets into one string blob and init functions are reached through a
// generated function, so loading the addon applies no relocation per module
// and touches no page of the table until a lookup does.
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
  uint64_t hash;      // FNV-1a of the name (StaticTable::Hash)
  uint32_t name;      // offset of the full dotted name (UTF-8, NUL-terminated) in strings
  uint32_t name_len;  // in bytes
  uint32_t symbol;    // offset of the init symbol as the sources spell it; 0 ("") for a synthetic package
  uint32_t flags;
};

struct StaticTableData {
  const StaticModuleEntry* entries;  // sorted by name
  uint32_t count;                    // entries, synthetic packages included
  const uint32_t* slots;             // open addressing: entry index + 1, 0 = empty
  uint32_t mask;                     // slot count - 1 (a power of two)
  const char* strings;               // every name and symbol
  StaticInitFunc (*init)(uint32_t index);  // entries[index]'s init function; null for a package
};

extern const StaticTableData kStaticTableData;
extern const char kBuildTag[];  // builds/<tag>: the one per-build fact outside the table

}  // namespace static_py

#endif  // STATIC_PY_LOADER_STATIC_TABLE_DATA_H_
