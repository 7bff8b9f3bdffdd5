#include "loader/extension_cache.h"

#include <atomic>

#include "loader/cpython_extension_cache.h"
#include "loader/isolated_extension_cache.h"

namespace static_py {
namespace {

// Process-wide, as CPython's own extension cache is. Never destroyed.
std::atomic<CachePolicy> g_policy{CachePolicy::kCPython};
std::atomic<bool> g_policy_used{false};

}  // namespace

bool ExtensionCache::SetPolicy(CachePolicy policy) {
  if (g_policy_used.load() && g_policy.load() != policy) return false;
  g_policy.store(policy);
  return true;
}

CachePolicy ExtensionCache::policy() { return g_policy.load(); }

ExtensionCache& ExtensionCache::Active() {
  static auto* cpython = new CPythonExtensionCache();
  static auto* isolated = new IsolatedExtensionCache();
  g_policy_used.store(true);
  return g_policy.load() == CachePolicy::kIsolated ? static_cast<ExtensionCache&>(*isolated) : *cpython;
}

}  // namespace static_py
