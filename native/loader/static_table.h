// Lookup in the build-time table (static_table_data.h): one hash and, on
// average, one probe, whatever the table's size or the entry's position.
#ifndef STATIC_PY_LOADER_STATIC_TABLE_H_
#define STATIC_PY_LOADER_STATIC_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "loader/static_table_data.h"

namespace static_py {

// What a module's init function turned out to be; known once it has run.
enum class InitKind : uint8_t { kUnknown = 0, kSinglePhase = 1, kMultiPhase = 2 };
const char* InitKindName(InitKind kind);

class StaticTable {
 public:
  // The entry for exactly this name (bytes and length: an embedded NUL
  // never matches a shorter name), or null.
  static const StaticModuleEntry* Find(const char* name, size_t len);
  // An entry's full dotted name and init symbol (NUL-terminated), and its
  // init function (null for a synthetic package).
  static const char* Name(const StaticModuleEntry& entry) { return kStaticTableData.strings + entry.name; }
  static const char* Symbol(const StaticModuleEntry& entry) { return kStaticTableData.strings + entry.symbol; }
  static StaticInitFunc Init(const StaticModuleEntry& entry);
  static uint64_t Hash(const char* name, size_t len);

  static void RecordInitKind(const StaticModuleEntry* entry, InitKind kind);
  static InitKind GetInitKind(const StaticModuleEntry* entry);
  // A single-phase module went into the extension cache by a path that
  // records no entry's init kind (the C API of include/static_py/import.h),
  // so an entry's kind no longer says whether its name is cached.
  static void NoteCachedWithoutEntry();
  static bool CachedWithoutEntry();
  // Modules only (synthetic packages are skipped), in name order.
  static void ForEachModule(const std::function<void(const StaticModuleEntry&, InitKind)>& fn);
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_STATIC_TABLE_H_
