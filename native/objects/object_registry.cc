#include "objects/object_registry.h"

#include <utility>

namespace static_py {

ObjectRef::ObjectRef(std::shared_ptr<ObjectRegistry> registry, PyObject* obj)
    : registry_(std::move(registry)), obj_(obj) {
  registry_->Add(this);
}

ObjectRef::~ObjectRef() { registry_->Remove(this); }

void ObjectRegistry::Add(ObjectRef* ref) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (open_) {
    live_.insert(ref);
  } else {
    // Cannot happen through the API (closed interpreters refuse work); if it
    // did, the object's interpreter is gone and the pointer must not be used.
    ref->obj_ = nullptr;
  }
}

void ObjectRegistry::Remove(ObjectRef* ref) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_.erase(ref);
  if (open_ && ref->obj_ != nullptr) {
    released_.push_back(ref->obj_);
    has_released_.store(true, std::memory_order_release);
  }
  ref->obj_ = nullptr;
}

void ObjectRegistry::Release(PyObject* obj) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Closed: the interpreter's objects went with it (CloseAll runs before it ends).
  if (!open_) return;
  released_.push_back(obj);
  has_released_.store(true, std::memory_order_release);
}

void ObjectRegistry::Drain() {
  if (!has_released_.load(std::memory_order_acquire)) return;
  std::vector<PyObject*> drop;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    drop.swap(released_);
    has_released_.store(false, std::memory_order_relaxed);
  }
  // Outside the lock: a decref can run __del__, which can create or free
  // more references.
  for (PyObject* obj : drop) Py_DECREF(obj);
}

void ObjectRegistry::CloseAll() {
  std::vector<PyObject*> drop;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
    drop.swap(released_);
    for (ObjectRef* ref : live_) {
      drop.push_back(ref->obj_);
      ref->obj_ = nullptr;
    }
    live_.clear();
  }
  for (PyObject* obj : drop) Py_XDECREF(obj);
}

}  // namespace static_py
