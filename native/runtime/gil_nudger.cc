#include "runtime/gil_nudger.h"

#include <chrono>
#include <future>
#include <thread>

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "runtime/fault_injection.h"
#include "runtime/process_state.h"

namespace static_py {

#ifdef STATIC_PY_GIL_DROP_REQUEST_PER_INTERPRETER
GilNudger::GilNudger(PyInterpreterState* main) : main_(main), gil_(static_py_gil_of(main)) {}

GilNudger* GilNudger::For(PyInterpreterState* interp) {
  GilNudger* nudger = ProcessState::Get().nudger();
  return nudger != nullptr && static_py_gil_of(interp) == nudger->gil_ ? nudger : nullptr;
}

void GilNudger::Attach(PyThreadState* tstate) {
  GilNudger* nudger = For(compat::InterpreterOf(tstate));
  if (nudger == nullptr) {
    PyEval_RestoreThread(tstate);
    return;
  }
  // Counted before looking at parked_, and Run() sets parked_ before it
  // looks at waiters_ (both seq_cst), so one of the two sees the other.
  nudger->waiters_.fetch_add(1);
  if (static_py_gil_locked(nudger->gil_) && nudger->parked_.load()) {
    { std::lock_guard<std::mutex> lock(nudger->mutex_); }
    nudger->wake_.notify_one();
  }
  PyEval_RestoreThread(tstate);
  nudger->waiters_.fetch_sub(1);
}

void GilNudger::InterpreterCreated(PyInterpreterState* interp) {
  PyInterpreterState* main = PyInterpreterState_Main();
  if (static_py_gil_of(interp) != static_py_gil_of(main)) return;
  ProcessState& process = ProcessState::Get();
  std::call_once(process.nudger_once(), [main, &process] {
    // The taker's thread state first: without one nobody could pay what a
    // drop request owes (rule 3), so there is no nudger either. It is made
    // on the taker's own thread: before 3.12 a thread state records the
    // thread that made it, and PyThreadState_SetAsyncExc, faulthandler and
    // sys._current_frames() find threads by that id, so one made here would
    // pass for a second state of the calling thread (test/90 caught it).
    auto* nudger = new GilNudger(main);
    std::promise<bool> made;
    std::future<bool> ok = made.get_future();
    std::thread([nudger, main, made = std::move(made)]() mutable {
      PyThreadState* own = NewThreadState(main, "PyThreadState_New:nudger");
      made.set_value(own != nullptr);
      if (own != nullptr) nudger->RunTaker(own);
    }).detach();
    if (!ok.get()) {
      delete nudger;
      return;
    }
    process.set_nudger(nudger);
    std::thread(&GilNudger::RunNudger, nudger).detach();
  });
  GilNudger* nudger = process.nudger();
  if (nudger == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(nudger->mutex_);
    nudger->shared_++;
  }
  nudger->wake_.notify_one();
}

void GilNudger::InterpreterEnding(PyInterpreterState* interp) {
  GilNudger* nudger = interp != PyInterpreterState_Main() ? For(interp) : nullptr;
  if (nudger == nullptr) return;
  std::lock_guard<std::mutex> lock(nudger->mutex_);
  nudger->shared_--;
}

void GilNudger::RunNudger() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    parked_.store(true);
    if (waiters_.load() == 0) {
      // A waiter wakes us when the GIL is held as it arrives. If the GIL
      // was taken just after it looked, only this check finds it, once a
      // second; with no shared subinterpreter no one can starve.
      if (shared_ == 0) {
        wake_.wait(lock);
      } else {
        wake_.wait_for(lock, std::chrono::seconds(1));
      }
    }
    parked_.store(false);
    if (waiters_.load() == 0) continue;
    const unsigned long switches = static_py_gil_switches(gil_);
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(static_py_gil_interval_us(gil_)));
    const bool stuck = waiters_.load() > 0 && static_py_gil_locked(gil_) && static_py_gil_switches(gil_) == switches;
    // The request first, then the take that makes it safe (rule 3): a take
    // that starts after the request is set.
    if (stuck) static_py_ask_gil_holder_to_drop(gil_);
    lock.lock();
    if (stuck) {
      owed_++;
      owed_wake_.notify_one();
    }
  }
}

void GilNudger::RunTaker(PyThreadState* own) {
  // `own` was made without the GIL (allowed); attached only to take the GIL.
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    owed_wake_.wait(lock, [this] { return owed_ > 0; });
    const int paying = owed_;
    lock.unlock();
    waiters_.fetch_add(1);
    PyEval_RestoreThread(own);
    PyEval_SaveThread();
    waiters_.fetch_sub(1);
    lock.lock();
    owed_ -= paying;
  }
}

#else  // One drop request reaches any holder: nothing to make up for.

void GilNudger::Attach(PyThreadState* tstate) { PyEval_RestoreThread(tstate); }
void GilNudger::InterpreterCreated(PyInterpreterState*) {}
void GilNudger::InterpreterEnding(PyInterpreterState*) {}

#endif

}  // namespace static_py
