#include "runtime/huge_page_arenas.h"

#include <Python.h>
#include <pthread.h>
#include <sys/mman.h>

#include <fstream>
#include <new>
#include <string>

namespace static_py {
namespace {

constexpr size_t kChunk = size_t{2} << 20;   // x86-64's (and 4 KiB-page arm64's) PMD size
constexpr size_t kMinSlot = size_t{64} << 10;  // below this, not an arena (frame stacks)

// Sizes carved from chunks: powers of two that divide a chunk into at most
// 32 slots. pymalloc's arenas are 256 KiB (3.8, 3.9) or 1 MiB (3.10+).
bool IsSlotSize(size_t size) { return size >= kMinSlot && size <= kChunk && (size & (size - 1)) == 0; }

// What the kernel says of transparent huge pages: "always [madvise] never"
// names the mode in brackets; hpage_pmd_size is the huge page's size.
bool KernelOffersHugePages() {
  std::ifstream enabled("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(enabled, modes) || modes.find("[never]") != std::string::npos) return false;
  std::ifstream pmd("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  size_t size = 0;
  return static_cast<bool>(pmd >> size) && size == kChunk;
}

// The default allocator's behaviour (CPython's _PyObject_ArenaMmap).
void* MapExactly(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// A chunk-aligned chunk, advised for huge pages; 0 when out of memory.
uintptr_t MapChunk() {
  void* raw = mmap(nullptr, 2 * kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return 0;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t base = (start + kChunk - 1) & ~(kChunk - 1);
  if (base > start) munmap(raw, base - start);
  if (base + kChunk < start + 2 * kChunk) munmap(reinterpret_cast<void*>(base + kChunk), start + 2 * kChunk - base - kChunk);
  // A hint: where the kernel has no huge page at hand it maps 4 KiB pages.
  madvise(reinterpret_cast<void*>(base), kChunk, MADV_HUGEPAGE);
  return base;
}

}  // namespace

void HugePageArenas::Install() {
  if (!KernelOffersHugePages()) return;
  // Never destroyed: arenas live as long as the process (Python is never finalised).
  static HugePageArenas* const self = new HugePageArenas();
  self->chunks_.reserve(64);
  // os.fork() while another interpreter's thread maps an arena (own GIL,
  // 3.12+) would leave the child's copy of the mutex locked for ever.
  pthread_atfork([] { self->mutex_.lock(); }, [] { self->mutex_.unlock(); }, [] { self->mutex_.unlock(); });
  PyObjectArenaAllocator allocator = {self, &HugePageArenas::Alloc, &HugePageArenas::Free};
  PyObject_SetArenaAllocator(&allocator);
}

void* HugePageArenas::Alloc(void* self, size_t size) noexcept {
  if (!IsSlotSize(size)) return MapExactly(size);
  return static_cast<HugePageArenas*>(self)->AllocSlot(size);
}

void HugePageArenas::Free(void* self, void* ptr, size_t size) noexcept {
  if (!IsSlotSize(size)) {
    munmap(ptr, size);
    return;
  }
  static_cast<HugePageArenas*>(self)->FreeSlot(ptr, size);
}

void* HugePageArenas::AllocSlot(size_t size) noexcept {
  const uint32_t slots = static_cast<uint32_t>(kChunk / size);
  const uint32_t full = slots == 32 ? ~uint32_t{0} : (uint32_t{1} << slots) - 1;
  std::lock_guard<std::mutex> lock(mutex_);
  for (Chunk& c : chunks_) {
    if (c.slot_size != size || c.used == full) continue;
    const int slot = __builtin_ctz(~c.used);
    c.used |= uint32_t{1} << slot;
    return reinterpret_cast<void*>(c.base + slot * size);
  }
  const uintptr_t base = MapChunk();
  if (base == 0) return nullptr;
  try {
    chunks_.push_back(Chunk{base, size, 1});
  } catch (const std::bad_alloc&) {
    munmap(reinterpret_cast<void*>(base), kChunk);
    return nullptr;
  }
  return reinterpret_cast<void*>(base);
}

void HugePageArenas::FreeSlot(void* ptr, size_t size) noexcept {
  const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  const uintptr_t base = p & ~(kChunk - 1);
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < chunks_.size(); i++) {
    Chunk& c = chunks_[i];
    if (c.base != base || c.slot_size != size) continue;
    c.used &= ~(uint32_t{1} << ((p - base) / size));
    if (c.used == 0) {
      munmap(reinterpret_cast<void*>(base), kChunk);
      chunks_[i] = chunks_.back();
      chunks_.pop_back();
    } else {
      madvise(ptr, size, MADV_DONTNEED);
    }
    return;
  }
  // Mapped before the allocator was installed, by CPython's default one.
  munmap(ptr, size);
}

}  // namespace static_py
