// Every process-wide piece of static-py's state, and only here: there is one
// CPython per process, and one import system, whatever the number of Node
// environments (threads). Everything per environment lives in EnvState.
// Made on first use and never destroyed, so nothing runs at exit while
// other threads may still be inside Python.
//
// Who may touch what, and how:
//
//   state                  written by                         read by                       guarded by
//   ---------------------  ---------------------------------  ----------------------------  ----------------------------
//   runtime, start error   PythonRuntime::Start, once         anyone, after Start returned  call_once (start_once_)
//   register, missing names PythonRuntime::Boot, before        StaticFinder, any thread      written before any
//                          Python starts (inside Start)                                     interpreter exists
//   loader policy          LoaderSettings (configure), the    ExtensionCache, any thread    loader_mutex_
//                          first static import (fixes it)
//   package context on/off LoaderSettings                     PackageContext, any thread    loader_mutex_; read atomic
//   cache observer         the lab (CopyOwners), once         ExtensionCache                atomic; set once
//   init observer          the lab (InitCounter), once        StaticTable::Init             atomic; set once
//   interpreter owners     EnvState (add, remove, leave)      EnvState of any environment   owners_mutex_
//   GIL nudger             GilNudger, once                    GilNudger, any thread         call_once + atomic
//   environment serials    EnvState                           -                             atomic
//   fault injection point  PythonRuntime::Boot (tests), once  PyBoundary, NewThreadState,   written inside Start, before
//                          Python is up                       PauseIfAsked                  it returns to anyone
//
// Not here, on purpose: constants and what is learned about them (the
// static table, and which init kind each of its entries turned out to be,
// static_table.cc); the two extension caches, which keep what CPython's own
// cache keeps, each under its own lock; and thread-locals (the package
// context of an init call in progress, the interpreter watcher's "creating"
// flag), which are per thread by nature.
#ifndef STATIC_PY_RUNTIME_PROCESS_STATE_H_
#define STATIC_PY_RUNTIME_PROCESS_STATE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace static_py {

class CacheObserver;
class InitObserver;
class GilNudger;
class PythonRuntime;

enum class CachePolicy { kCPython, kIsolated };

// How static modules reach the import system (python.configure({ register })):
// static-py's finder with the fast import path, the finder through
// importlib's own machinery, or CPython's inittab.
enum class Registration { kFast, kFinder, kInittab };
const char* RegistrationName(Registration registration);

class ProcessState {
 public:
  static ProcessState& Get();

  // The runtime. ----------------------------------------------------------
  std::once_flag& start_once() { return start_once_; }
  PythonRuntime* runtime() const { return runtime_.load(std::memory_order_acquire); }
  const std::string& start_error() const { return start_error_; }
  void set_started(PythonRuntime* runtime, std::string error) {
    start_error_ = std::move(error);
    runtime_.store(runtime, std::memory_order_release);
  }

  // Import setup, fixed before Python starts. -------------------------------
  bool inittab() const { return registration_ == Registration::kInittab; }
  // Whether static names skip importlib's Python-level machinery (loader/fast_import.h).
  bool fast_import() const { return registration_ == Registration::kFast; }
  Registration registration() const { return registration_; }
  void set_registration(Registration registration) { registration_ = registration; }
  // Names the build lacks although its manifest now lists them, with the
  // message their import fails with (StaticFinder); empty when none.
  const std::unordered_map<std::string, std::string>& missing_names() const { return missing_names_; }
  void set_missing_names(const std::vector<std::pair<std::string, std::string>>& names) {
    missing_names_.insert(names.begin(), names.end());
  }

  // Loader settings, one of each for the whole process. The rule, for both:
  // the first environment to choose a setting owns it and may change it
  // (the policy only until the first static import fixes it); any other
  // environment may only ask for the value it has, since two threads that
  // disagree would otherwise change each other's loader without a word.
  // `chooser` is the asking environment's serial. Returns "" when the
  // setting now has the asked value, else why not.
  std::string ChoosePolicy(CachePolicy policy, uint64_t chooser);
  std::string ChoosePackageContext(bool enabled, uint64_t chooser);
  // The policy for an import, fixing it from now on.
  CachePolicy UsePolicy();
  CachePolicy policy();
  bool policy_fixed();
  bool package_context() const { return package_context_.load(); }
  // Told where each m_copy comes from (the lab's probes); null when nobody
  // asked. Set once, before the first static import.
  CacheObserver* cache_observer() const { return cache_observer_.load(std::memory_order_acquire); }
  void set_cache_observer(CacheObserver* observer) { cache_observer_.store(observer, std::memory_order_release); }
  // Stands between the loader and every static init function (the lab's
  // init counter); null when nobody asked. Set once, before the first static import.
  InitObserver* init_observer() const { return init_observer_.load(std::memory_order_acquire); }
  void set_init_observer(InitObserver* observer) { init_observer_.store(observer, std::memory_order_release); }

  // Which environment owns each subinterpreter, so that any of them can say
  // "belongs to another thread", or "was left running", instead of "no such".
  enum class Owner { kNone, kOther, kLeftRunning };
  void AddOwner(int64_t interpreter, uint64_t env);
  // Closed: forgotten. Left running as its environment went away: remembered as such.
  void RemoveOwner(int64_t interpreter, bool left_running);
  Owner OwnerOf(int64_t interpreter, uint64_t asking_env);

  // The GIL nudger (3.9-3.12), made once by the first shared subinterpreter.
  std::once_flag& nudger_once() { return nudger_once_; }
  GilNudger* nudger() const { return nudger_.load(std::memory_order_acquire); }
  void set_nudger(GilNudger* nudger) { nudger_.store(nudger, std::memory_order_release); }

  uint64_t NextEnvironmentSerial() { return next_env_serial_++; }

  // Tests only (STATIC_PY_INJECT_FAULT): the CPython callback in which
  // PyBoundary throws a C++ exception on purpose, to show it never reaches
  // CPython. Empty: none.
  const std::string& fault_point() const { return fault_point_; }
  void set_fault_point(std::string point) { fault_point_ = std::move(point); }

 private:
  ProcessState() = default;

  std::once_flag start_once_;
  std::atomic<PythonRuntime*> runtime_{nullptr};
  std::string start_error_;

  Registration registration_ = Registration::kFast;
  std::unordered_map<std::string, std::string> missing_names_;

  std::mutex loader_mutex_;
  CachePolicy policy_ = CachePolicy::kCPython;
  // By the first static import. Written under loader_mutex_; UsePolicy,
  // on every static import, reads it without: once true, policy_ never
  // changes again.
  std::atomic<bool> policy_fixed_{false};
  uint64_t policy_chooser_ = 0;          // the environment that chose it, 0: nobody yet
  std::atomic<bool> package_context_{true};  // written under loader_mutex_, read without
  uint64_t package_context_chooser_ = 0;
  std::atomic<CacheObserver*> cache_observer_{nullptr};
  std::atomic<InitObserver*> init_observer_{nullptr};

  std::mutex owners_mutex_;
  std::map<int64_t, uint64_t> owners_;  // 0: left running, no environment
  std::once_flag nudger_once_;
  std::atomic<GilNudger*> nudger_{nullptr};
  std::atomic<uint64_t> next_env_serial_{1};
  std::string fault_point_;
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_PROCESS_STATE_H_
