// Who is told where single-phase modules' m_copy dicts come from: the lab's
// probes (native/lab/copy_owners.h), which answer "whose objects does this
// copy hold?". The caches call it, with the GIL held, only when one was set
// (ProcessState::cache_observer); the loader itself needs none of it.
#ifndef STATIC_PY_LOADER_CACHE_OBSERVER_H_
#define STATIC_PY_LOADER_CACHE_OBSERVER_H_

#include <Python.h>

#include <cstdint>

namespace static_py {

class CacheObserver {
 public:
  virtual ~CacheObserver() = default;
  // `def`'s m_copy is now `copy`, made in interpreter `owner`: kept in the
  // def for every interpreter, or (per_interpreter) for `owner` alone.
  virtual void CopyMade(PyModuleDef* def, PyObject* copy, int64_t owner, bool per_interpreter) = 0;
  // Interpreter `id` is ending: its own copies go.
  virtual void InterpreterEnding(int64_t id) = 0;
};

}  // namespace static_py

#endif  // STATIC_PY_LOADER_CACHE_OBSERVER_H_
