#include "runtime/python_runtime.h"

#include <dlfcn.h>
#include <fcntl.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cpython/compat.h"
#include "cpython/internals.h"
#include "loader/static_finder.h"
#include "runtime/huge_page_arenas.h"
#include "runtime/interpreter_watcher.h"
#include "runtime/process_state.h"
#include "util/shared_object.h"

namespace static_py {
namespace {

std::string StatusMessage(const char* step, const PyStatus& status) {
  std::string msg = std::string("static-py: ") + step + " failed";
  if (status.func != nullptr) msg += std::string(" in ") + status.func;
  if (status.err_msg != nullptr) msg += std::string(": ") + status.err_msg;
  return msg;
}

// python-main waits here forever once Python is up; it must outlive every
// other user of the runtime, so it is never joined.
[[noreturn]] void Park() {
  auto* mutex = new std::mutex();
  auto* cv = new std::condition_variable();
  std::unique_lock<std::mutex> lock(*mutex);
  for (;;) cv->wait(lock);
}

// PYTHONMALLOC's names, for RuntimeOptions::allocator.
constexpr struct {
  const char* name;
  PyMemAllocatorName value;
} kAllocators[] = {
    {"default", PYMEM_ALLOCATOR_DEFAULT}, {"debug", PYMEM_ALLOCATOR_DEBUG},
    {"malloc", PYMEM_ALLOCATOR_MALLOC},   {"malloc_debug", PYMEM_ALLOCATOR_MALLOC_DEBUG},
    {"pymalloc", PYMEM_ALLOCATOR_PYMALLOC}, {"pymalloc_debug", PYMEM_ALLOCATOR_PYMALLOC_DEBUG},
};

std::string ChooseAllocator(const std::string& requested, PyPreConfig* preconfig) {
#if STATIC_PY_SANITIZE
  // Sanitizer builds: every object from malloc. pymalloc's arenas are
  // mmap()ed, so ASan would not see overflows inside them, and LeakSanitizer
  // would not see the pointers they hold and would report everything they
  // reference as leaked.
  preconfig->allocator = PYMEM_ALLOCATOR_MALLOC;
#endif
  if (requested.empty()) return "";
  std::string names;
  for (const auto& a : kAllocators) {
    if (requested == a.name) {
      preconfig->allocator = a.value;
      return "";
    }
    names += names.empty() ? a.name : std::string(", ") + a.name;
  }
  return "static-py: STATIC_PY_PYTHONMALLOC is \"" + requested + "\"; use one of " + names +
         " (PYTHONMALLOC's names), or leave it unset";
}

// The main interpreter once CPython is up, on the thread it started on:
// the static finder; the watcher that equips interpreters Python code
// makes; before 3.13, threading's main thread (threading takes the thread
// that first imports it, whatever CPython's runtime says, so it is
// imported here rather than on whichever thread first needs it); and, as
// Py_RunMain does, the mark that the main interpreter runs its program
// (3.12+, _interpreters.is_running(0)). "" or what failed.
std::string PrepareMainInterpreter(bool inittab) {
  if (StaticFinder::Install() < 0) return "static-py: installing the static extension finder in the main interpreter failed";
  if (!inittab && InterpreterWatcher::Start() < 0) {
    return "static-py: watching for interpreters made by Python code failed (PySys_AddAuditHook)";
  }
#if PY_VERSION_HEX < 0x030D0000
  PyObject* threading = PyImport_ImportModule("threading");
  if (threading == nullptr) return "static-py: importing threading in the main interpreter failed";
  Py_DECREF(threading);
#endif
  if (static_py_set_running_main(1) < 0) return "static-py: marking the main interpreter as running failed";
  return "";
}

}  // namespace

PythonRuntime& PythonRuntime::Start(const RuntimeOptions& options) {
  ProcessState& process = ProcessState::Get();
  std::call_once(process.start_once(), [&options, &process] {
    std::unique_ptr<PythonRuntime> runtime(new PythonRuntime());
    if (options.on_calling_thread) {
      std::string error = runtime->Boot(options);
      const bool ok = error.empty();
      if (ok) runtime->initial_thread_ = PyThread_get_thread_ident();
      process.set_started(ok ? runtime.release() : nullptr, std::move(error));
      return;
    }
    std::promise<std::string> booted;
    std::future<std::string> result = booted.get_future();
    // The boot thread does not touch the runtime once it has reported, and
    // owns the promise: set_value() may still be touching the shared state
    // when this thread has woken up and left.
    std::thread([runtime = runtime.get(), options, booted = std::move(booted)]() mutable {
      std::string error = runtime->Boot(options);
      bool ok = error.empty();
      booted.set_value(std::move(error));
      if (ok) Park();
    }).detach();
    std::string error = result.get();
    const bool ok = error.empty();
    process.set_started(ok ? runtime.release() : nullptr, std::move(error));
  });
  if (process.runtime() == nullptr) throw std::runtime_error(process.start_error());
  return *process.runtime();
}

PythonRuntime* PythonRuntime::Get() { return ProcessState::Get().runtime(); }

PyThreadState* PythonRuntime::LendInitialThreadState() {
  if (initial_thread_ != PyThread_get_thread_ident() || initial_lent_.exchange(true)) return nullptr;
  return initial_tstate_;
}

const std::string& PythonRuntime::LibpythonVersion() {
  static const std::string version = Py_GetVersion();
  return version;
}

void PythonRuntime::KeepLoaded() {
  const std::string self = FileContaining(reinterpret_cast<void*>(&PythonRuntime::KeepLoaded));
  // RTLD_NODELETE on an already-loaded object makes every later dlclose a
  // no-op for it; the handle is deliberately never closed.
  if (!self.empty()) dlopen(self.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

// Extension modules in lib-dynload are not linked against libpython; they
// expect its symbols in the global scope. Node loads addons (and so our
// libpython dependency) with RTLD_LOCAL, so re-open that one library with
// RTLD_GLOBAL. Nothing else of ours becomes global (unlike loading the whole
// addon with RTLD_GLOBAL, which leaks our symbols into later addons).
std::string PythonRuntime::PromoteLibpythonSymbols() {
  libpython_path_ = FileContaining(reinterpret_cast<void*>(&Py_InitializeFromConfig));
  if (libpython_path_.empty()) return "static-py: cannot tell which file libpython was loaded from (dladdr failed)";
  void* handle = dlopen(libpython_path_.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return std::string("static-py: cannot make libpython's symbols global (") + (why ? why : "unknown error") + ")";
  }
  // The handle only raised the reference count of an already-loaded library.
  return "";
}

void PythonRuntime::InheritStandardStreams() {
  // Node starts with fds 0-2 close-on-exec. Python's subprocess, os.system
  // and os.exec* hand the standard streams to a child by inheritance (only
  // Node's own spawn dup2()s them), so a child of Python would start with
  // them closed: `echo` fails, a child python prints nothing. In `python`
  // they are inheritable; so they are here. Node never execs itself with them.
  for (int fd = 0; fd <= 2; fd++) {
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) != 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

std::string PythonRuntime::Boot(const RuntimeOptions& options) {
  if (std::string error = PromoteLibpythonSymbols(); !error.empty()) return error;

  const char* running = LibpythonVersion().c_str();
  char expected[16];
  snprintf(expected, sizeof expected, "%d.%d.", PY_MAJOR_VERSION, PY_MINOR_VERSION);
  if (strncmp(running, expected, strlen(expected)) != 0) {
    return std::string("static-py: this addon was compiled for Python ") + PY_VERSION + " but loaded libpython " +
           running + " from " + libpython_path_ + "; rebuild static-py for it (`npm run build` in a clone of " +
           "static-py, `npm rebuild static-py` in an app that depends on it)";
  }

  // The isolated preset: no PYTHON* environment variables, no signal
  // handlers, no locale changes. UTF-8 mode on, as Node is UTF-8 throughout.
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;
  if (std::string error = ChooseAllocator(options.allocator, &preconfig); !error.empty()) return error;
  PyStatus status = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(status)) return StatusMessage("Py_PreInitialize", status);
  if (preconfig.allocator == PYMEM_ALLOCATOR_MALLOC || preconfig.allocator == PYMEM_ALLOCATOR_MALLOC_DEBUG) {
    // Arenas too: without pymalloc they hold only the frames' data stack
    // (3.11+), whose pointers a leak checker must see like any other.
    static PyObjectArenaAllocator arenas = {
        nullptr, [](void*, size_t size) { return malloc(size); }, [](void*, void* p, size_t) { free(p); }};
    PyObject_SetArenaAllocator(&arenas);
  } else if (options.huge_page_arenas) {
    // pymalloc (every default build static-py runs): its arenas in huge
    // pages where the kernel has them, before the first arena is mapped.
    HugePageArenas::Install();
  }

  // Written before any interpreter exists, read-only from then on.
  ProcessState& process = ProcessState::Get();
  process.set_missing_names(options.missing_names);
  process.set_registration(options.registration);
  if (process.inittab() && StaticFinder::RegisterInInittab() < 0) {
    return "static-py: PyImport_ExtendInittab refused the static table";
  }

  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;
  // Unbuffered stdio: print() reaches the terminal in order with Node's own
  // output, and nothing is lost at exit (Python is never finalised).
  config.buffered_stdio = 0;
  config.pathconfig_warnings = 0;
  config.site_import = 1;
  if (!options.executable.empty()) {
    // CPython's own path logic derives prefix, sys.path and a venv from here.
    status = PyConfig_SetBytesString(&config, &config.program_name, options.executable.c_str());
    if (!PyStatus_Exception(status)) {
      status = PyConfig_SetBytesString(&config, &config.executable, options.executable.c_str());
    }
    if (PyStatus_Exception(status)) {
      PyConfig_Clear(&config);
      return StatusMessage("setting sys.executable", status);
    }
  }
  status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) return StatusMessage("Py_InitializeFromConfig", status);
  InheritStandardStreams();

  main_interpreter_ = compat::InterpreterOf(PyThreadState_Get());
  initial_tstate_ = PyThreadState_Get();
  std::string error = PrepareMainInterpreter(process.inittab());
  if (!error.empty()) PyErr_Clear();
  // Faults are injected into what users do, never into start-up itself.
  process.set_fault_point(options.fault_point);
  PyEval_SaveThread();
  return error;
}

}  // namespace static_py
