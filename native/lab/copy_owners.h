// The lab's record of where each single-phase def's m_copy came from: the
// answer to "whose objects does this copy hold?", which CPython does not
// keep. Fed by the extension caches through CacheObserver once the lab
// installs it (LabProbes); static-py's loader never reads it.
#ifndef STATIC_PY_LAB_COPY_OWNERS_H_
#define STATIC_PY_LAB_COPY_OWNERS_H_

#include <Python.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "loader/cache_observer.h"

namespace static_py {

class CopyOwners : public CacheObserver {
 public:
  // Installed for the whole process on first use; never destroyed.
  static CopyOwners& Installed();

  static constexpr int64_t kNoCopy = -1;   // no m_copy for this interpreter
  static constexpr int64_t kUnknown = -2;  // a copy static-py did not make (or made before the lab looked)

  // GIL held. The interpreter whose objects `def`'s m_copy holds, as the
  // current interpreter sees it under the process's loader policy.
  int64_t OwnerOf(PyModuleDef* def, bool per_interpreter);

  void CopyMade(PyModuleDef* def, PyObject* copy, int64_t owner, bool per_interpreter) override;
  void InterpreterEnding(int64_t id) override;

 private:
  CopyOwners() = default;
  struct Copy {
    PyObject* dict;  // identity only, never dereferenced
    int64_t owner;
  };
  std::mutex mutex_;  // the caches report from any interpreter's thread
  std::map<PyModuleDef*, Copy> shared_;                        // cpython policy: one per def
  std::map<std::pair<int64_t, PyModuleDef*>, PyObject*> own_;  // isolated policy: one per interpreter
};

}  // namespace static_py

#endif  // STATIC_PY_LAB_COPY_OWNERS_H_
