#include "lab/init_counter.h"

#include <dlfcn.h>

#include <utility>

#include "cpython/compat.h"
#include "runtime/process_state.h"

namespace static_py {

InitCounter::Slot InitCounter::slots_[InitCounter::kSlots];

// Called with the GIL of the interpreter importing: counts, then is the
// init function it stands for.
template <size_t I>
PyObject* InitCounter::Trampoline() {
  Slot& slot = slots_[I];
  slot.count.fetch_add(1);
  slot.interpreter.store(compat::CurrentInterpreterId());
  return slot.init.load()();
}

template <size_t... I>
std::array<StaticInitFunc, sizeof...(I)> InitCounter::MakeTrampolines(std::index_sequence<I...>) {
  return {{&InitCounter::Trampoline<I>...}};
}

// One distinct function per slot, made at compile time.
const std::array<StaticInitFunc, InitCounter::kSlots> InitCounter::kTrampolines =
    InitCounter::MakeTrampolines(std::make_index_sequence<InitCounter::kSlots>());

InitCounter& InitCounter::Installed() {
  static InitCounter* counter = [] {
    auto* c = new InitCounter();
    ProcessState::Get().set_init_observer(c);
    return c;
  }();
  return *counter;
}

StaticInitFunc InitCounter::Interpose(const char* name, StaticInitFunc init) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slot_of_.find(init);
  size_t slot;
  if (it != slot_of_.end()) {
    slot = it->second;
  } else {
    if (slot_of_.size() == kSlots) return init;
    slot = slot_of_.size();
    slots_[slot].init.store(init);
    slot_of_.emplace(init, slot);
  }
  by_name_.emplace(name, slot);
  return kTrampolines[slot];
}

std::map<std::string, InitCounter::Calls> InitCounter::StaticCalls() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, Calls> out;
  for (const auto& [name, slot] : by_name_) out[name] = Calls{slots_[slot].count.load(), slots_[slot].interpreter.load()};
  return out;
}

bool InitCounter::LibraryCalls(const std::string& path, Calls* calls) {
  // RTLD_NOLOAD: only a library CPython has already loaded; this handle
  // just adds a reference, dropped again below.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  using Reader = void (*)(long long*, long long*);
  auto read = reinterpret_cast<Reader>(dlsym(handle, "static_py_lab_init_calls"));
  long long count = 0, interpreter = -1;
  if (read != nullptr) read(&count, &interpreter);
  dlclose(handle);
  if (read == nullptr) return false;
  *calls = Calls{count, interpreter};
  return true;
}

}  // namespace static_py
