// The process-wide CPython runtime: started once, with the isolated config,
// on a thread of its own, and never finalised (thread_state_guard.h, rule 1).
// Everything per Node environment lives in EnvState; this is the only
// process-global Python state static-py keeps.
#ifndef STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_
#define STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_

#include <Python.h>

#include <string>
#include <utility>
#include <vector>

namespace static_py {

struct RuntimeOptions {
  // sys.executable: the build's interpreter, or $VIRTUAL_ENV/bin/python so
  // that CPython's own path logic finds pyvenv.cfg and the venv's site-packages.
  std::string executable;
  // Serve the static table through CPython's inittab instead of the finder
  // (StaticFinder::RegisterInInittab): a baseline for npm run bench.
  bool inittab = false;
  // CPython's memory allocator, by PYTHONMALLOC's names ("malloc",
  // "pymalloc_debug", ...; empty: the build's default), which the isolated
  // preset would otherwise ignore. "malloc" is what valgrind and the
  // sanitizers need to see each object.
  std::string allocator;
  // Names this build lacks although its manifest now lists them (the
  // manifest changed after the build), each with the message their import
  // fails with (StaticFinder::SetMissingNames).
  std::vector<std::pair<std::string, std::string>> missing_names;
};

// Owns CPython start-up. Start() may be called from any thread, any number
// of times: the first call starts Python and every call returns the same
// runtime, or throws the same std::runtime_error if start-up failed.
class PythonRuntime {
 public:
  static PythonRuntime& Start(const RuntimeOptions& options);

  // Keeps this addon mapped for the life of the process. Node dlcloses an
  // addon when the last environment that loaded it goes away (a worker
  // exiting), but CPython, once started, runs our code for ever (the finder,
  // python-main), and a reload would start a second runtime. Idempotent.
  static void KeepLoaded();
  // The runtime if Start() has succeeded, else null.
  static PythonRuntime* Get();

  PyInterpreterState* main_interpreter() const { return main_interpreter_; }
  const std::string& executable() const { return executable_; }
  // Whether the static table went to the inittab (RuntimeOptions::inittab).
  bool inittab() const { return inittab_; }
  // Path of the file holding libpython (the .node itself when linked in).
  const std::string& libpython_path() const { return libpython_path_; }

 private:
  PythonRuntime() = default;
  // Runs on python-main; returns an error message, or "" on success.
  std::string Boot(const RuntimeOptions& options);
  std::string PromoteLibpythonSymbols();

  PyInterpreterState* main_interpreter_ = nullptr;
  std::string executable_;
  std::string libpython_path_;
  bool inittab_ = false;
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_PYTHON_RUNTIME_H_
