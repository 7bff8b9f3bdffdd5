// Python calling JavaScript, for one Node environment: the JS functions it
// handed to Python (JsRef) run on its JS thread, and nowhere else. The
// rules, with those of runtime/thread_state_guard.h:
//
//  A. On the environment's JS thread (where Python runs only inside a
//     synchronous call from JS), a JS function is called directly; the
//     caller detaches its thread state around the call (rule 8: no JS
//     runs with a thread state attached).
//  B. From any other thread (an async call's executor, a Python thread, an
//     own-GIL interpreter's thread), the call is queued to the JS thread's
//     event loop, and the caller waits with no thread state attached, so
//     the GIL it held is free meanwhile. Python may choose not to wait.
//  C. A queued call that must be waited for is refused (RuntimeError) while
//     the JS thread is inside a synchronous call into Python: the JS thread
//     runs nothing else until that call returns, and that call may be the
//     one waiting. Checked when the call is made and while it waits unrun.
//  D. Once the environment ends, every call raises RuntimeError, queued
//     ones included; references dropped off the JS thread wait here and are
//     freed on it.
#ifndef STATIC_PY_CALLBACKS_CALLBACK_HUB_H_
#define STATIC_PY_CALLBACKS_CALLBACK_HUB_H_

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "convert/value.h"

namespace static_py {

class EnvState;
class JsRef;

class CallbackHub : public std::enable_shared_from_this<CallbackHub> {
 public:
  // On the environment's JS thread.
  static std::shared_ptr<CallbackHub> Create(EnvState* state);
  ~CallbackHub();

  bool OnJsThread() const { return std::this_thread::get_id() == js_thread_; }

  // Synchronous calls into Python bracket themselves with these (rule C).
  // Only the JS thread calls them, so the count has one writer and needs no
  // locked read-modify-write (on every call); other threads read it under
  // mutex_, and again every 20 ms while they wait.
  void EnterSync() { sync_depth_.store(sync_depth_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
  void LeaveSync() { sync_depth_.store(sync_depth_.load(std::memory_order_relaxed) - 1, std::memory_order_release); }

  // What a call of a JS function came to.
  struct Outcome {
    enum class Kind { kReturned, kThrew, kBadResult, kRefused };
    Kind kind = Kind::kRefused;
    Value result;                    // kReturned
    std::shared_ptr<JsRef> thrown;   // kThrew: the value JS threw, itself
    std::string name, message, stack;  // kThrew: read from it
    std::string why;                 // kBadResult (TypeError), kRefused (RuntimeError)
  };
  // A call's arguments, as Python gave them: keyword arguments, when there
  // are any, reach the JS function as one trailing plain object.
  struct Arguments {
    std::vector<Value> positional;
    Value keywords;  // kDict, or kNone for none
    int64_t interpreter_id = -1;  // whose objects the values hold
  };

  // Rule A: on the JS thread, no thread state attached.
  Outcome CallHere(const JsRef& fn, const Arguments& args);
  // Rule B: any other thread, no thread state attached. With `wait` false,
  // returns at once (kReturned, None) once queued.
  Outcome CallQueued(std::shared_ptr<JsRef> fn, Arguments args, bool wait);

  // JS thread, as interpreter `id` is being closed: its calls waiting in
  // the queue are answered with RuntimeError, and later ones refused at
  // once (close() waits for that interpreter's threads, which would
  // otherwise wait for this thread forever).
  void RefuseFrom(int64_t interpreter_id);

  // JsRef's constructor (JS thread) and destructor (any thread, rule D).
  // The hub knows every reference it made, so that the environment's end
  // frees those Python still holds too.
  napi_ref Reference(Napi::Value value);
  void Unreference(napi_ref ref);
  // Environment cleanup, on the JS thread, before its interpreters go.
  void Shutdown();

 private:
  struct Pending {
    std::shared_ptr<JsRef> fn;
    Arguments args;
    bool wait = true;
    bool started = false;  // under the hub's mutex
    bool done = false;
    Outcome outcome;
    std::condition_variable cv;
  };
  explicit CallbackHub(EnvState* state) : state_(state), js_thread_(std::this_thread::get_id()) {}
  // The threadsafe function's callback, on the JS thread.
  static void RunQueued(napi_env env, napi_value js_callback, void* context, void* data);
  void FreeUnreferenced();
  // JS thread: once nothing queued from it is left, the loop may end again.
  void LetLoopEnd();
  static Outcome Refused(std::string why);
  static std::string Closing(int64_t interpreter_id);

  EnvState* state_;
  const std::thread::id js_thread_;
  std::atomic<int> sync_depth_{0};
  std::mutex mutex_;
  bool alive_ = true;
  napi_threadsafe_function tsfn_ = nullptr;
  bool keeps_loop_alive_ = false;  // JS thread only: a call_soon made on it is queued
  std::deque<std::shared_ptr<Pending>> queue_;
  std::set<int64_t> closing_;  // interpreters whose calls are refused (ids are never reused)
  std::vector<napi_ref> unreferenced_;
  std::unordered_set<napi_ref> live_;  // made by Reference, not yet freed
  std::atomic<bool> has_unreferenced_{false};  // lets FreeUnreferenced skip the lock
};

}  // namespace static_py

#endif  // STATIC_PY_CALLBACKS_CALLBACK_HUB_H_
