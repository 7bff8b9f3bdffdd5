#include "loader/static_table.h"

#include <atomic>
#include <cstring>
#include <memory>

#include "loader/init_observer.h"
#include "runtime/process_state.h"

namespace static_py {
namespace {

// Process-wide facts about process-wide code: which kind each linked-in
// init function is. Sized from the constant table on first use.
std::atomic<uint8_t>* InitKinds() {
  static std::atomic<uint8_t>* kinds = [] {
    auto* k = new std::atomic<uint8_t>[kStaticTableData.count > 0 ? kStaticTableData.count : 1];
    for (uint32_t i = 0; i < kStaticTableData.count; i++) k[i].store(0);
    return k;
  }();
  return kinds;
}

}  // namespace

const char* InitKindName(InitKind kind) {
  switch (kind) {
    case InitKind::kSinglePhase:
      return "single-phase";
    case InitKind::kMultiPhase:
      return "multi-phase";
    default:
      return "unknown";
  }
}

uint64_t StaticTable::Hash(const char* name, size_t len) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= static_cast<unsigned char>(name[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

const StaticModuleEntry* StaticTable::Find(const char* name, size_t len) {
  const StaticTableData& t = kStaticTableData;
  if (t.count == 0) return nullptr;
  const uint64_t h = Hash(name, len);
  for (uint32_t slot = static_cast<uint32_t>(h) & t.mask;; slot = (slot + 1) & t.mask) {
    const uint32_t index = t.slots[slot];
    if (index == 0) return nullptr;
    const StaticModuleEntry& e = t.entries[index - 1];
    if (e.hash == h && e.name_len == len && std::memcmp(Name(e), name, len) == 0) return &e;
  }
}

StaticInitFunc StaticTable::Init(const StaticModuleEntry& entry) {
  if (!(entry.flags & kEntryHasInit)) return nullptr;
  StaticInitFunc init = kStaticTableData.init(static_cast<uint32_t>(&entry - kStaticTableData.entries));
  InitObserver* observer = ProcessState::Get().init_observer();
  return observer != nullptr && init != nullptr ? observer->Interpose(Name(entry), init) : init;
}

void StaticTable::RecordInitKind(const StaticModuleEntry* entry, InitKind kind) {
  InitKinds()[entry - kStaticTableData.entries].store(static_cast<uint8_t>(kind), std::memory_order_relaxed);
}

InitKind StaticTable::GetInitKind(const StaticModuleEntry* entry) {
  return static_cast<InitKind>(InitKinds()[entry - kStaticTableData.entries].load(std::memory_order_relaxed));
}

namespace {
std::atomic<bool> cached_without_entry{false};
}  // namespace

void StaticTable::NoteCachedWithoutEntry() { cached_without_entry.store(true, std::memory_order_relaxed); }
bool StaticTable::CachedWithoutEntry() { return cached_without_entry.load(std::memory_order_relaxed); }

void StaticTable::ForEachModule(const std::function<void(const StaticModuleEntry&, InitKind)>& fn) {
  for (uint32_t i = 0; i < kStaticTableData.count; i++) {
    const StaticModuleEntry& e = kStaticTableData.entries[i];
    if (e.flags & kEntryHasInit) fn(e, GetInitKind(&e));
  }
}

}  // namespace static_py
