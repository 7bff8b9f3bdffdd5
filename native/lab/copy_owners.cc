#include "lab/copy_owners.h"

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "runtime/process_state.h"

namespace static_py {

CopyOwners& CopyOwners::Installed() {
  static CopyOwners* owners = [] {
    auto* made = new CopyOwners();
    ProcessState::Get().set_cache_observer(made);
    return made;
  }();
  return *owners;
}

int64_t CopyOwners::OwnerOf(PyModuleDef* def, bool per_interpreter) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (per_interpreter) {
    const int64_t id = compat::CurrentInterpreterId();
    return own_.count({id, def}) != 0 ? id : kNoCopy;
  }
  PyObject* copy = static_py_def_copy(def);
  if (copy == nullptr) return kNoCopy;
  auto it = shared_.find(def);
  return it != shared_.end() && it->second.dict == copy ? it->second.owner : kUnknown;
}

void CopyOwners::CopyMade(PyModuleDef* def, PyObject* copy, int64_t owner, bool per_interpreter) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (per_interpreter) {
    own_[{owner, def}] = copy;
  } else {
    shared_[def] = Copy{copy, owner};
  }
}

void CopyOwners::InterpreterEnding(int64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = own_.begin(); it != own_.end();) {
    it = it->first.first == id ? own_.erase(it) : std::next(it);
  }
}

}  // namespace static_py
