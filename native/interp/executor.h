// The thread that runs one interpreter's async calls (execAsync, evalAsync,
// callAsync) for one Node environment. It has its own thread state for the
// interpreter (thread_state_guard.h, rule 2), runs tasks one at a time in the
// order they were posted, and reports back to the JS thread through a
// thread-safe function, which keeps the event loop alive only while tasks
// are pending. Two executors of two own-GIL interpreters run in parallel.
#ifndef STATIC_PY_INTERP_EXECUTOR_H_
#define STATIC_PY_INTERP_EXECUTOR_H_

#include <Python.h>
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace static_py {

class Executor : public std::enable_shared_from_this<Executor> {
 public:
  // One async call. Complete() happens exactly once, unless the
  // environment is torn down first (then only the destructor runs); Run()
  // at most once before it.
  class Task {
   public:
    enum class Outcome {
      kRan,          // Run() returned
      kCancelled,    // never run: the interpreter closed first
      kInterrupted,  // Run() was asked to stop (SystemExit) by Interrupt()
      kFailed,       // never run: no thread state for the executor
    };
    virtual ~Task() = default;
    // On the executor thread, its thread state attached.
    virtual void Run() = 0;
    // On the JS thread: settle the promise.
    virtual void Complete(Napi::Env env, Outcome outcome) = 0;

   private:
    friend class Executor;
    Outcome outcome_ = Outcome::kRan;
  };

  // Shared: the thread-safe function keeps the executor alive until its
  // last delivery, which can come after Shutdown() returns.
  static std::shared_ptr<Executor> Create(Napi::Env env, PyInterpreterState* interp);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // JS thread. Starts the thread on first use.
  void Post(std::unique_ptr<Task> task);

  // Any thread, no GIL needed. Makes the running task (if any) raise
  // SystemExit at its next check for pending work, and no later task start.
  // Used before Shutdown(): by close(), so it need not wait for a busy call,
  // and when the environment goes away, for every executor at once, so that
  // busy tasks stop competing for the GIL. A task that catches SystemExit
  // still runs to its end.
  void Interrupt();

  // JS thread. Queued tasks complete as cancelled; the running one is
  // waited for. Then the thread ends and its thread state is deleted.
  // `env_alive` is false during environment teardown, when no promise can
  // be settled any more.
  void Shutdown(bool env_alive);

 private:
  Executor(Napi::Env env, PyInterpreterState* interp) : env_(env), interp_(interp) {}
  static void Deliver(Napi::Env env, Napi::Function unused, Executor* self, Task* task);
  using Tsfn = Napi::TypedThreadSafeFunction<Executor, Task, &Executor::Deliver>;
  void Loop();
  void Settled();  // JS thread: one task fewer pending

  Napi::Env env_;
  PyInterpreterState* interp_;
  Tsfn tsfn_;
  bool tsfn_finalized_ = false;  // JS thread only; set when the environment is torn down first
  size_t pending_ = 0;           // JS thread only: tasks posted and not yet completed

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Task>> queue_;
  bool stopping_ = false;
  bool running_task_ = false;
  // Sticky: a task that has not yet reached Python when Interrupt() comes
  // (it may be waiting for the GIL) must not start.
  std::atomic<bool> interrupt_requested_{false};
  PyThreadState* thread_state_ = nullptr;  // the executor thread's own
  // A reference to SystemExit taken (with the GIL) before each task, so
  // Interrupt() can hand one to the task without the GIL.
  std::atomic<PyObject*> interrupt_ref_{nullptr};
  std::thread thread_;
};

}  // namespace static_py

#endif  // STATIC_PY_INTERP_EXECUTOR_H_
