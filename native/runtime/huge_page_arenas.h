// pymalloc's arenas in transparent huge pages (Linux), for the whole process.
//
// Why: every small Python object lives in an arena that pymalloc maps with
// mmap (256 KiB up to 3.9, 1 MiB from 3.10) and touches a 4 KiB page at a
// time. Where each first touch costs a few microseconds (measured here, in a
// VM: 3.6 us a page, 1.8 ms for 2 MiB), a process that imports thousands of
// modules spends much of its start-up in page faults. One 2 MiB huge page
// costs one fault (0.16 ms for the same 2 MiB). CPython 3.15 added the same
// idea behind an environment variable (gh-144319); static-py gives it to
// every version through the public PyObject_SetArenaAllocator, opt-in as
// there (python.configure({ hugePages: true })): in a VM after idle, the
// kernel's free 2 MiB pages are the ones the host took back, and touching
// one costs more than the 512 small faults it saves (measured here).
//
// How: arenas are carved out of 2 MiB-aligned chunks marked MADV_HUGEPAGE,
// so the kernel can back each chunk with one huge page. A freed arena's
// memory goes back to the system at once (MADV_DONTNEED; the whole chunk is
// unmapped once its last arena is freed), as with pymalloc's own munmap.
// Any other size (3.11+'s frame stacks, 16 KiB and up) is mapped and
// unmapped exactly as CPython's default arena allocator does.
//
// Who owns what: the chunk list belongs to this class, under its own mutex
// (with own-GIL subinterpreters, 3.12+, arenas are allocated by several
// interpreters at once; CPython calls the allocator without a lock of its
// own), which fork() takes and both sides then release. Nothing here calls
// into Python, and nothing throws: the allocator runs inside pymalloc,
// where a failure is a null arena (MemoryError).
#ifndef STATIC_PY_RUNTIME_HUGE_PAGE_ARENAS_H_
#define STATIC_PY_RUNTIME_HUGE_PAGE_ARENAS_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace static_py {

class HugePageArenas {
 public:
  // Installs the allocator when the kernel offers transparent huge pages of
  // 2 MiB (enabled: always or madvise); else leaves CPython's own. Called once,
  // after Py_PreInitialize and before the first arena exists (python_runtime.cc).
  static void Install();

 private:
  struct Chunk {
    uintptr_t base;
    size_t slot_size;   // the arena size this chunk was carved for
    uint32_t used = 0;  // one bit per slot
  };

  static void* Alloc(void* self, size_t size) noexcept;
  static void Free(void* self, void* ptr, size_t size) noexcept;

  void* AllocSlot(size_t size) noexcept;
  void FreeSlot(void* ptr, size_t size) noexcept;

  std::mutex mutex_;
  std::vector<Chunk> chunks_;  // guarded by mutex_
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_HUGE_PAGE_ARENAS_H_
