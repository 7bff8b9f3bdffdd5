#include "runtime/process_state.h"

#include "runtime/fault_injection.h"

namespace static_py {

const char* RegistrationName(Registration registration) {
  switch (registration) {
    case Registration::kFast: return "fast";
    case Registration::kFinder: return "finder";
    case Registration::kInittab: return "inittab";
  }
  return "?";
}

ProcessState& ProcessState::Get() {
  static auto* state = new ProcessState();  // never destroyed: see the header
  return *state;
}

namespace {

const char* PolicyName(CachePolicy policy) { return policy == CachePolicy::kIsolated ? "isolated" : "cpython"; }

// The rule in the header, for one setting whose value is `now`.
std::string WhyNot(const char* setting, const std::string& now, uint64_t* owner, uint64_t chooser, bool same) {
  if (same || *owner == 0 || *owner == chooser) {
    if (*owner == 0) *owner = chooser;
    return "";
  }
  return std::string("static-py: ") + setting + " is process-wide, and another thread (a worker or the main thread) chose " +
         now + "; every thread must ask for the same, or leave it to that thread";
}

}  // namespace

std::string ProcessState::ChoosePolicy(CachePolicy policy, uint64_t chooser) {
  std::lock_guard<std::mutex> lock(loader_mutex_);
  const std::string now = std::string("'") + PolicyName(policy_) + "'";
  if (policy != policy_ && policy_fixed_) {
    return "static-py: the loader policy is already " + now +
           " for this process, fixed by the first static import (choose it before that)";
  }
  std::string why = WhyNot("the loader policy", now, &policy_chooser_, chooser, policy == policy_);
  // The check above and the store below are one step for UsePolicy: an
  // import that came between them would use the old policy while this
  // call reports the new one (test/23 holds a thread here).
  PauseIfAsked("ChoosePolicy");
  // Written only while not fixed: UsePolicy reads it without the mutex after.
  if (why.empty() && policy != policy_) policy_ = policy;
  return why;
}

std::string ProcessState::ChoosePackageContext(bool enabled, uint64_t chooser) {
  std::lock_guard<std::mutex> lock(loader_mutex_);
  const bool now = package_context_.load();
  std::string why = WhyNot("packageContext", now ? "true" : "false", &package_context_chooser_, chooser, enabled == now);
  if (why.empty()) package_context_.store(enabled);
  return why;
}

CachePolicy ProcessState::UsePolicy() {
  if (policy_fixed_.load(std::memory_order_acquire)) return policy_;
  std::lock_guard<std::mutex> lock(loader_mutex_);
  policy_fixed_.store(true, std::memory_order_release);
  return policy_;
}

bool ProcessState::policy_fixed() {
  std::lock_guard<std::mutex> lock(loader_mutex_);
  return policy_fixed_;
}

CachePolicy ProcessState::policy() {
  std::lock_guard<std::mutex> lock(loader_mutex_);
  return policy_;
}

void ProcessState::AddOwner(int64_t interpreter, uint64_t env) {
  std::lock_guard<std::mutex> lock(owners_mutex_);
  owners_[interpreter] = env;
}

void ProcessState::RemoveOwner(int64_t interpreter, bool left_running) {
  std::lock_guard<std::mutex> lock(owners_mutex_);
  if (left_running) {
    owners_[interpreter] = 0;
  } else {
    owners_.erase(interpreter);
  }
}

ProcessState::Owner ProcessState::OwnerOf(int64_t interpreter, uint64_t asking_env) {
  std::lock_guard<std::mutex> lock(owners_mutex_);
  auto it = owners_.find(interpreter);
  if (it == owners_.end() || it->second == asking_env) return Owner::kNone;
  return it->second == 0 ? Owner::kLeftRunning : Owner::kOther;
}

}  // namespace static_py
