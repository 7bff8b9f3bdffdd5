#include "callbacks/callback_hub.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "callbacks/js_ref.h"
#include "convert/js_converter.h"
#include "env/env_state.h"

namespace static_py {
namespace {

const char kBlocked[] =
    "static-py: this JS function belongs to a Node thread that is blocked in a synchronous call into Python, so it cannot "
    "run until that call returns (which may be waiting for this one); make that call with callAsync/execAsync/evalAsync, "
    "or call the function from Python on that thread";
const char kEnded[] = "static-py: this JS function's Node thread (its environment) has ended; it can no longer be called";

bool HoldsPythonObject(const Value& v) {
  if (v.kind == Value::Kind::kObject) return true;
  return std::any_of(v.items.begin(), v.items.end(), HoldsPythonObject);
}

// A property of what JS threw, as text; reading it may run a getter that throws.
std::string TextOf(Napi::Value thrown, const char* key) {
  try {
    if (!thrown.IsObject()) return std::string();
    Napi::Value v = thrown.As<Napi::Object>().Get(key);
    return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  } catch (const Napi::Error&) {
    return std::string();
  }
}

}  // namespace

std::shared_ptr<CallbackHub> CallbackHub::Create(EnvState* state) {
  std::shared_ptr<CallbackHub> hub(new CallbackHub(state));
  napi_env env = state->env();
  napi_value name;
  napi_create_string_utf8(env, "static-py callbacks", NAPI_AUTO_LENGTH, &name);
  // Only a wake-up: the queue is the hub's own. Unreferenced, so waiting
  // callbacks never keep a finished program's event loop alive.
  napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, hub.get(), &CallbackHub::RunQueued,
                                  &hub->tsfn_);
  napi_unref_threadsafe_function(env, hub->tsfn_);
  return hub;
}

CallbackHub::~CallbackHub() = default;

CallbackHub::Outcome CallbackHub::Refused(std::string why) {
  Outcome out;
  out.kind = Outcome::Kind::kRefused;
  out.why = std::move(why);
  return out;
}

CallbackHub::Outcome CallbackHub::CallHere(const JsRef& fn, const Arguments& args) {
  if (!alive_) return Refused(kEnded);
  Napi::Env env = state_->env();
  Napi::HandleScope scope(env);
  FreeUnreferenced();
  Outcome out;
  Interpreter* owner = state_->FindInterpreter(args.interpreter_id);
  if (owner == nullptr && (std::any_of(args.positional.begin(), args.positional.end(), HoldsPythonObject) ||
                           HoldsPythonObject(args.keywords))) {
    out.kind = Outcome::Kind::kBadResult;
    out.why = "static-py: cannot pass a Python object to a JS function from an interpreter its Node thread does not use; "
              "pass plain data (numbers, strings, lists, dicts, bytes)";
    return out;
  }
  JsConverter converter(state_);
  try {
    // Most callbacks take a few arguments: those need no allocation.
    const size_t argc = args.positional.size() + (args.keywords.kind == Value::Kind::kDict ? 1 : 0);
    napi_value few[8];
    std::vector<napi_value> many(argc > 8 ? argc : 0);
    napi_value* argv = argc > 8 ? many.data() : few;
    size_t i = 0;
    for (const Value& v : args.positional) argv[i++] = converter.ToJs(v, owner);
    if (args.keywords.kind == Value::Kind::kDict) argv[i++] = converter.ToJs(args.keywords, owner);
    Napi::Value result = fn.Get(env).As<Napi::Function>().Call(env.Undefined(), argc, argv);
    try {
      out.result = converter.FromJs(result, ConversionPath("the JS function's return value"));
      out.kind = Outcome::Kind::kReturned;
    } catch (const Napi::Error& e) {
      out.kind = Outcome::Kind::kBadResult;
      out.why = e.Message();
    }
  } catch (const Napi::Error& e) {
    Napi::Value thrown = e.Value();
    if (thrown.IsEmpty()) return Refused("static-py: the JS function could not run: its Node thread is terminating");
    out.kind = Outcome::Kind::kThrew;
    out.thrown = std::make_shared<JsRef>(shared_from_this(), thrown);
    out.name = TextOf(thrown, "name");
    out.message = TextOf(thrown, "message");
    out.stack = TextOf(thrown, "stack");
    if (!thrown.IsObject()) {
      out.name = "Error";
      try {
        out.message = "a JS function threw " + thrown.ToString().Utf8Value();
      } catch (const Napi::Error&) {
        out.message = "a JS function threw a value that is not an Error";
      }
    }
  }
  return out;
}

CallbackHub::Outcome CallbackHub::CallQueued(std::shared_ptr<JsRef> fn, Arguments args, bool wait) {
  auto pending = std::make_shared<Pending>();
  pending->fn = std::move(fn);
  pending->args = std::move(args);
  pending->wait = wait;
  std::unique_lock<std::mutex> lock(mutex_);
  if (!alive_) return Refused(kEnded);
  if (closing_.count(pending->args.interpreter_id) != 0) return Refused(Closing(pending->args.interpreter_id));
  if (wait && sync_depth_.load(std::memory_order_acquire) > 0) return Refused(kBlocked);
  queue_.push_back(pending);
  if (OnJsThread() && !keeps_loop_alive_) {
    // Queued from the JS thread itself (call_soon): the loop must not end
    // before running it. Only this thread may change that (Node-API).
    napi_ref_threadsafe_function(state_->env(), tsfn_);
    keeps_loop_alive_ = true;
  }
  if (napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) != napi_ok) {
    queue_.pop_back();
    return Refused(kEnded);
  }
  if (!wait) {
    Outcome queued;
    queued.kind = Outcome::Kind::kReturned;
    return queued;
  }
  while (!pending->done) {
    pending->cv.wait_for(lock, std::chrono::milliseconds(20));
    // Rule C, once more: the JS thread went into a synchronous call while
    // this one waited unrun.
    if (!pending->done && !pending->started && sync_depth_.load(std::memory_order_acquire) > 0) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), pending));
      return Refused(kBlocked);
    }
  }
  return std::move(pending->outcome);
}

void CallbackHub::RunQueued(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;  // the threadsafe function is being torn down
  auto* hub = static_cast<CallbackHub*>(context);
  for (;;) {
    std::shared_ptr<Pending> next;
    {
      std::lock_guard<std::mutex> lock(hub->mutex_);
      if (!hub->alive_ || hub->queue_.empty()) break;
      next = hub->queue_.front();
      hub->queue_.pop_front();
      next->started = true;
    }
    Outcome outcome = hub->CallHere(*next->fn, next->args);
    if (!next->wait && outcome.kind == Outcome::Kind::kThrew) {
      // Nobody waits for it: like an event listener's, the error is the
      // program's (an uncaught exception).
      {
        std::lock_guard<std::mutex> lock(hub->mutex_);
        if (!hub->queue_.empty()) napi_call_threadsafe_function(hub->tsfn_, nullptr, napi_tsfn_nonblocking);
      }
      hub->LetLoopEnd();
      napi_throw(env, outcome.thrown->Get(Napi::Env(env)));
      return;
    }
    std::lock_guard<std::mutex> lock(hub->mutex_);
    next->outcome = std::move(outcome);
    next->done = true;
    next->cv.notify_all();
  }
  hub->LetLoopEnd();
  hub->FreeUnreferenced();
}

std::string CallbackHub::Closing(int64_t interpreter_id) {
  return "static-py: interpreter " + std::to_string(interpreter_id) +
         " is being closed, so its threads can no longer call JS functions";
}

void CallbackHub::RefuseFrom(int64_t interpreter_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  closing_.insert(interpreter_id);
  for (auto it = queue_.begin(); it != queue_.end();) {
    if ((*it)->args.interpreter_id != interpreter_id) {
      ++it;
      continue;
    }
    (*it)->outcome = Refused(Closing(interpreter_id));
    (*it)->done = true;
    (*it)->cv.notify_all();
    it = queue_.erase(it);
  }
}

void CallbackHub::LetLoopEnd() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!keeps_loop_alive_ || !queue_.empty()) return;
  napi_unref_threadsafe_function(state_->env(), tsfn_);
  keeps_loop_alive_ = false;
}

napi_ref CallbackHub::Reference(Napi::Value value) {
  napi_ref ref = nullptr;
  napi_create_reference(value.Env(), value, 1, &ref);
  std::lock_guard<std::mutex> lock(mutex_);
  live_.insert(ref);
  return ref;
}

void CallbackHub::Unreference(napi_ref ref) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!alive_) return;  // freed by Shutdown as the environment ended
  live_.erase(ref);
  if (OnJsThread()) {
    napi_delete_reference(state_->env(), ref);
    return;
  }
  unreferenced_.push_back(ref);
  has_unreferenced_.store(true, std::memory_order_release);
  napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
}

void CallbackHub::FreeUnreferenced() {
  if (!has_unreferenced_.load(std::memory_order_acquire)) return;  // the common case: no lock
  std::vector<napi_ref> refs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    refs.swap(unreferenced_);
    has_unreferenced_.store(false, std::memory_order_release);
  }
  for (napi_ref ref : refs) napi_delete_reference(state_->env(), ref);
}

void CallbackHub::Shutdown() {
  FreeUnreferenced();
  std::lock_guard<std::mutex> lock(mutex_);
  alive_ = false;
  // What Python still holds: the JsRefs stay, their references go now.
  for (napi_ref ref : live_) napi_delete_reference(state_->env(), ref);
  live_.clear();
  for (const auto& pending : queue_) {
    pending->outcome = Refused(kEnded);
    pending->done = true;
    pending->cv.notify_all();
  }
  queue_.clear();
  napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
}

}  // namespace static_py
