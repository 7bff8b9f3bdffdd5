#include "interp/executor.h"

#include <utility>
#include <vector>

#include "cpython/internals.h"
#include "runtime/fault_injection.h"
#include "runtime/gil_nudger.h"

namespace static_py {

std::shared_ptr<Executor> Executor::Create(Napi::Env env, PyInterpreterState* interp) {
  std::shared_ptr<Executor> self(new Executor(env, interp));
  // The finalizer runs when the function is released and drained, or when
  // the environment is torn down (possibly before our own cleanup hook).
  auto* keep_alive = new std::shared_ptr<Executor>(self);
  self->tsfn_ = Tsfn::New(env, "static-py async call", 0, 1, self.get(),
                          [](Napi::Env, std::shared_ptr<Executor>* owner, Executor* executor) {
                            executor->tsfn_finalized_ = true;
                            delete owner;
                          },
                          keep_alive);
  self->tsfn_.Unref(env);  // idle: do not keep the event loop alive
  return self;
}

Executor::~Executor() {
  // Shutdown() joined the thread; never destroy a running std::thread.
  if (thread_.joinable()) thread_.detach();
}

void Executor::Post(std::unique_ptr<Task> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread(&Executor::Loop, this);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  if (pending_++ == 0) tsfn_.Ref(env_);
}

void Executor::Settled() {
  if (--pending_ == 0 && !tsfn_finalized_) tsfn_.Unref(env_);
}

void Executor::Deliver(Napi::Env env, Napi::Function, Executor* self, Task* task) {
  std::unique_ptr<Task> owned(task);
  if (env == nullptr) return;  // the environment is going away: nothing to settle
  owned->Complete(env, owned->outcome_);
  self->Settled();
}

void Executor::Loop() {
  // Created without the GIL (allowed), attached only while a task runs.
  PyThreadState* tstate = NewThreadState(interp_, "PyThreadState_New:executor");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    thread_state_ = tstate;
  }
  for (;;) {
    std::unique_ptr<Task> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;
      task = std::move(queue_.front());
      queue_.pop_front();
      running_task_ = tstate != nullptr;
    }
    if (tstate == nullptr) {
      // No thread state, no Python: every task says so.
      task->outcome_ = Task::Outcome::kFailed;
    } else {
      GilNudger::Attach(tstate);
      Py_INCREF(PyExc_SystemExit);
      Py_XDECREF(interrupt_ref_.exchange(PyExc_SystemExit));
      // Checked after the reference is offered: either Interrupt() sees it
      // and raises in the task, or we see the request and skip the task.
      if (interrupt_requested_.load()) {
        task->outcome_ = Task::Outcome::kCancelled;
      } else {
        task->Run();
      }
      PyObject* unused = interrupt_ref_.exchange(nullptr);
      // Interrupt() took the reference: it asked the task to stop.
      if (unused == nullptr && task->outcome_ == Task::Outcome::kRan) task->outcome_ = Task::Outcome::kInterrupted;
      Py_XDECREF(unused);
      PyEval_SaveThread();
      std::lock_guard<std::mutex> lock(mutex_);
      running_task_ = false;
    }
    Task* done = task.release();
    if (tsfn_.NonBlockingCall(done) != napi_ok) delete done;  // environment torn down
  }
  if (tstate == nullptr) return;
  GilNudger::Attach(tstate);
  PyThreadState_Clear(tstate);
  PyThreadState_DeleteCurrent();
}

void Executor::Interrupt() {
  interrupt_requested_.store(true);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!running_task_ || thread_state_ == nullptr) return;
  if (PyObject* exc = interrupt_ref_.exchange(nullptr)) static_py_raise_in_thread(thread_state_, exc);
}

void Executor::Shutdown(bool env_alive) {
  std::deque<std::unique_ptr<Task>> cancelled;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    cancelled.swap(queue_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& task : cancelled) {
    if (!env_alive) continue;
    task->Complete(env_, Task::Outcome::kCancelled);
    Settled();
  }
  if (!tsfn_finalized_) tsfn_.Release();
}

}  // namespace static_py
