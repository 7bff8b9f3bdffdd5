// The lab's count of init calls, for modules that do not count their own:
// how often each static module's init function ran, and in which
// interpreter last. Installed as the loader's InitObserver, it hands out a
// counting trampoline in place of each init function, so every caller
// (static-py's loader, its caches, CPython re-running PyModuleDef.m_init)
// is counted. The shared-library form the `dynamic` loader imports is
// counted by a wrapper library of the build's making
// (scripts/lib/lab-init-wrapper.c); LibraryCalls reads its count.
#ifndef STATIC_PY_LAB_INIT_COUNTER_H_
#define STATIC_PY_LAB_INIT_COUNTER_H_

#include <Python.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "loader/init_observer.h"

namespace static_py {

class InitCounter : public InitObserver {
 public:
  // Installed for the whole process on first use; never destroyed.
  static InitCounter& Installed();

  // How many times a function has been counted, and the interpreter of the last call.
  struct Calls {
    int64_t count = 0;
    int64_t interpreter = -1;  // -1: never called
  };
  // Static modules by name, for every init function handed out so far.
  std::map<std::string, Calls> StaticCalls();
  // The wrapper library at `path` (already loaded by CPython), or false
  // when it is not loaded or is not such a wrapper.
  static bool LibraryCalls(const std::string& path, Calls* calls);

  StaticInitFunc Interpose(const char* name, StaticInitFunc init) override;

  // The number of distinct init functions that can be counted; beyond it
  // they run uncounted (the lab reports '?').
  static constexpr size_t kSlots = 512;

 private:
  InitCounter() = default;
  template <size_t I>
  static PyObject* Trampoline();
  template <size_t... I>
  static std::array<StaticInitFunc, sizeof...(I)> MakeTrampolines(std::index_sequence<I...>);

  struct Slot {
    std::atomic<StaticInitFunc> init{nullptr};
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> interpreter{-1};
  };
  static Slot slots_[kSlots];
  static const std::array<StaticInitFunc, kSlots> kTrampolines;

  std::mutex mutex_;  // init functions are interposed from any interpreter's thread
  std::map<StaticInitFunc, size_t> slot_of_;
  std::map<std::string, size_t> by_name_;
};

}  // namespace static_py

#endif  // STATIC_PY_LAB_INIT_COUNTER_H_
