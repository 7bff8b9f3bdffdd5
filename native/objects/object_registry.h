// Which Python objects JS currently holds, per (Node environment,
// interpreter). It exists so that references can be dropped on the right
// thread with the right thread state (thread_state_guard.h, rule 5), and so
// that closing an interpreter first lets go of everything JS still holds.
#ifndef STATIC_PY_OBJECTS_OBJECT_REGISTRY_H_
#define STATIC_PY_OBJECTS_OBJECT_REGISTRY_H_

#include <Python.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace static_py {

class ObjectRegistry;

// One strong reference held on behalf of JS. May be destroyed on any
// thread: the reference then waits in its registry until the interpreter's
// thread state is next attached.
class ObjectRef {
 public:
  ObjectRef(std::shared_ptr<ObjectRegistry> registry, PyObject* obj);  // adopts `obj`
  ~ObjectRef();
  ObjectRef(const ObjectRef&) = delete;
  ObjectRef& operator=(const ObjectRef&) = delete;

  // Null once the interpreter is closed or the environment is torn down.
  PyObject* get() const { return obj_; }
  const std::shared_ptr<ObjectRegistry>& registry() const { return registry_; }

 private:
  friend class ObjectRegistry;
  std::shared_ptr<ObjectRegistry> registry_;
  PyObject* obj_;
};

class ObjectRegistry {
 public:
  explicit ObjectRegistry(int64_t interpreter_id) : interpreter_id_(interpreter_id) {}
  int64_t interpreter_id() const { return interpreter_id_; }

  // Any thread: `obj` (a strong reference, adopted) is dropped at the next
  // Drain(). For a result whose bytes JS is still copying out of when the
  // GIL is released (Interpreter::Invoke).
  void Release(PyObject* obj);
  // GIL held: drops the references whose holders have gone.
  void Drain();
  // GIL held: drops every reference, live or not; later holders see null.
  void CloseAll();

 private:
  friend class ObjectRef;
  void Add(ObjectRef* ref);
  void Remove(ObjectRef* ref);

  const int64_t interpreter_id_;
  std::mutex mutex_;
  bool open_ = true;
  std::unordered_set<ObjectRef*> live_;
  std::vector<PyObject*> released_;
  // Whether released_ may be non-empty: lets Drain() skip the lock on every call.
  std::atomic<bool> has_released_{false};
};

}  // namespace static_py

#endif  // STATIC_PY_OBJECTS_OBJECT_REGISTRY_H_
