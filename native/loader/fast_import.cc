#include "loader/fast_import.h"

#include <cstring>
#include <vector>

#include "cpython/compat.h"
#include "cpython/importlib_locks.h"
#include "errors/py_boundary.h"
#include "loader/init_func_loader.h"
#include "loader/static_finder.h"
#include "loader/static_table.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

constexpr const char* kTypeName = "static_py.FastImport";

// One import of a static module under way in this interpreter.
struct InProgress {
  PyObject* name;        // strong
  unsigned long thread;  // PyThread_get_thread_ident() of the importing thread
  int depth;             // > 1 when its init imports the name again
  PyObject* lock;        // importlib's lock, once a waiting thread made it; strong, or null
};

// The attribute names the path uses, made once per interpreter.
enum Str { kName, kLoader, kPackage, kSpec, kPath, kGetattr, kInitializing, kUninitialized, kLocations, kStrCount };
constexpr const char* kStrings[kStrCount] = {"__name__",     "__loader__",    "__package__",
                                             "__spec__",     "__path__",      "__getattr__",
                                             "_initializing", "_uninitialized_submodules",
                                             "submodule_search_locations"};

struct FastImportObject {
  PyObject_HEAD
  PyObject* finder;         // the interpreter's static finder
  PyObject* find_and_load;  // importlib's own _find_and_load
  PyObject* lock_unlock;    // importlib's own _lock_unlock_module
  PyObject* strings[kStrCount];
  int verbose;  // sys.flags.verbose: fixed once Python runs
  ImportlibLocks locks;
  std::vector<InProgress>* imports;
};

FastImportObject* AsFast(PyObject* self) { return reinterpret_cast<FastImportObject*>(self); }

InProgress* FindImport(FastImportObject* self, PyObject* name) {
  for (InProgress& i : *self->imports) {
    if (i.name == name || PyUnicode_Compare(i.name, name) == 0) return &i;
  }
  return nullptr;
}

// The table entry of a name the fast path may import now (see the header),
// or null: importlib's own path is to import it (no exception), or an error.
const StaticModuleEntry* Eligible(FastImportObject* self, PyObject* name) {
  if (!PyUnicode_CheckExact(name)) return nullptr;
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(name, &size);
  if (utf8 == nullptr) {
    PyErr_Clear();  // importlib's path says what is wrong with it
    return nullptr;
  }
  const StaticModuleEntry* entry = StaticTable::Find(utf8, static_cast<size_t>(size));
  if (entry == nullptr || !(entry->flags & kEntryHasInit)) return nullptr;
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  if (meta_path == nullptr || !PyList_Check(meta_path) || PyList_GET_SIZE(meta_path) == 0 ||
      PyList_GET_ITEM(meta_path, 0) != self->finder) {
    return nullptr;
  }
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  if (modules == nullptr || !PyDict_CheckExact(modules)) return nullptr;
  if (PyDict_GetItemWithError(modules, name) != nullptr || PyErr_Occurred()) return nullptr;
  return entry;
}

// 1: `name` is this thread's to import now; 0: another thread's import of
// it is under way (after this, importlib's lock says so), -1: an error.
int Claim(FastImportObject* self, PyObject* name) {
  const unsigned long me = PyThread_get_thread_ident();
  InProgress* current = FindImport(self, name);
  if (current == nullptr) {
    const int exists = self->locks.Exists(name);
    return exists < 0 ? -1 : !exists;  // importlib's path has it: wait there
  }
  if (current->thread == me) return 1;  // the name's init imports it again, as importlib lets it
  if (current->lock != nullptr) return 0;
  PyRef made = PyRef::Steal(self->locks.New(name));  // Python runs: look again after
  if (!made) return -1;
  current = FindImport(self, name);
  if (current == nullptr || current->lock != nullptr) return 0;  // done meanwhile, or made by another waiter
  PyObject* held = self->locks.HoldFor(made.get(), name, current->thread, current->depth);
  if (held == nullptr) return -1;
  current->lock = held;
  return 0;
}

// Enter() and Leave() bracket this thread's import of `name`.
int Enter(FastImportObject* self, PyObject* name) {
  if (InProgress* current = FindImport(self, name)) {
    current->depth++;
    if (current->lock == nullptr) return 0;
    PyRef lock = PyRef::Borrow(current->lock);
    PyRef ok = PyRef::Steal(PyObject_CallMethod(lock.get(), "acquire", nullptr));  // ours: reentrant
    if (ok) return 0;
    // Python ran: the list may have moved.
    if (InProgress* again = FindImport(self, name)) again->depth--;
    return -1;
  }
  Py_INCREF(name);
  self->imports->push_back({name, PyThread_get_thread_ident(), 1, nullptr});
  return 0;
}

// Keeps a pending exception; a failure to release is reported as
// unraisable then. 0, or -1 with a new exception.
int Leave(FastImportObject* self, PyObject* name) {
  InProgress* current = FindImport(self, name);
  if (current == nullptr) return 0;
  PyObject* lock = current->lock;
  Py_XINCREF(lock);
  if (--current->depth == 0) {
    // Off the list before importlib's lock lets waiters go, so that they
    // find the outcome and not this import.
    Py_DECREF(current->name);
    Py_XDECREF(current->lock);
    self->imports->erase(self->imports->begin() + (current - self->imports->data()));
  }
  if (lock == nullptr) return 0;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyRef ok = PyRef::Steal(PyObject_CallMethod(lock, "release", nullptr));
  Py_DECREF(lock);
  if (type == nullptr) return ok ? 0 : -1;
  if (!ok) PyErr_WriteUnraisable(name);
  PyErr_Restore(type, value, tb);
  return 0;
}

// `raise ModuleNotFoundError(f"No module named {name!r}; {parent!r} is not
// a package", name=name) from None` while an AttributeError is being handled.
void RaiseNotAPackage(PyObject* name, PyObject* parent) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != nullptr && value != nullptr) PyException_SetTraceback(value, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  PyRef message = PyRef::Steal(PyUnicode_FromFormat("No module named %R; %R is not a package", name, parent));
  if (!message) {
    Py_XDECREF(value);
    return;
  }
  PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, message.get(), name, nullptr);
  PyObject *ntype, *nvalue, *ntb;
  PyErr_Fetch(&ntype, &nvalue, &ntb);
  PyErr_NormalizeException(&ntype, &nvalue, &ntb);
  if (nvalue != nullptr) {
    PyException_SetContext(nvalue, value);  // steals
    PyException_SetCause(nvalue, nullptr);  // and sets __suppress_context__
  } else {
    Py_XDECREF(value);
  }
  PyErr_Restore(ntype, nvalue, ntb);
}

// `getattr(module, attr, None) is None`: 1, 0, or -1 with an exception.
int AttrIsNone(FastImportObject* self, PyObject* module, PyObject* attr) {
  if (PyModule_CheckExact(module)) {
    PyObject* dict = PyModule_GetDict(module);  // borrowed
    // A module-level __getattr__ answers misses: ask the module then.
    if (PyDict_GetItemWithError(dict, self->strings[kGetattr]) == nullptr && !PyErr_Occurred()) {
      PyObject* value = PyDict_GetItemWithError(dict, attr);
      if (value == nullptr && PyErr_Occurred()) return -1;
      return value == nullptr || value == Py_None;
    }
    if (PyErr_Occurred()) return -1;
  }
  PyRef value = PyRef::Steal(PyObject_GetAttr(module, attr));
  if (value) return value.get() == Py_None;
  if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
  PyErr_Clear();
  return 1;
}

// `try: setattr(module, attr, value) except AttributeError: pass`
int SetAttrIgnoring(PyObject* module, PyObject* attr, PyObject* value) {
  if (PyObject_SetAttr(module, attr, value) == 0) return 0;
  if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
  PyErr_Clear();
  return 0;
}

// _init_module_attrs(spec, module) without override, for the spec the
// finder makes (no location: no __file__ or __cached__).
int InitModuleAttrs(FastImportObject* self, PyObject* spec, PyObject* module, PyObject* name,
                    const StaticModuleEntry& entry) {
  PyObject** s = self->strings;
  const bool is_package = (entry.flags & kEntryIsPackage) != 0;
  int none = AttrIsNone(self, module, s[kName]);
  if (none < 0 || (none && SetAttrIgnoring(module, s[kName], name) < 0)) return -1;
  none = AttrIsNone(self, module, s[kLoader]);
  if (none < 0 || (none && SetAttrIgnoring(module, s[kLoader], self->finder) < 0)) return -1;
  none = AttrIsNone(self, module, s[kPackage]);
  if (none < 0) return -1;
  if (none) {
    // spec.parent: the name itself for a package, else what precedes its last dot.
    PyRef parent;
    if (is_package) {
      parent = PyRef::Borrow(name);
    } else {
      const Py_ssize_t len = PyUnicode_GET_LENGTH(name);
      const Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, len, -1);
      if (dot == -2) return -1;
      parent = PyRef::Steal(PyUnicode_Substring(name, 0, dot < 0 ? 0 : dot));
    }
    if (!parent || SetAttrIgnoring(module, s[kPackage], parent.get()) < 0) return -1;
  }
  if (SetAttrIgnoring(module, s[kSpec], spec) < 0) return -1;
  if (is_package) {
    none = AttrIsNone(self, module, s[kPath]);
    if (none < 0) return -1;
    if (none) {
      PyRef locations = PyRef::Steal(PyObject_GetAttr(spec, s[kLocations]));
      if (!locations || (locations.get() != Py_None && SetAttrIgnoring(module, s[kPath], locations.get()) < 0)) return -1;
    }
  }
  return 0;
}

// sys.modules as importlib reads it, on every use: it may be replaced.
PyObject* Modules() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  if (modules == nullptr) PyErr_SetString(PyExc_RuntimeError, "lost sys.modules");
  return modules;
}

// _load_unlocked(spec), for a spec of the static finder.
PyObject* LoadUnlocked(FastImportObject* self, PyObject* spec, PyObject* name, const StaticModuleEntry& entry) {
  PyRef module = PyRef::Steal(StaticFinder::CreateFor(spec, entry));
  if (!module || InitModuleAttrs(self, spec, module.get(), name, entry) < 0) return nullptr;
  // Before sys.modules: CPython's C side trusts a module whose spec does not
  // say _initializing to be complete.
  if (PyObject_SetAttr(spec, self->strings[kInitializing], Py_True) < 0) return nullptr;
  PyObject* modules = Modules();
  int failed = modules == nullptr || PyObject_SetItem(modules, name, module.get()) < 0;
  if (!failed && InitFuncLoader::ExecModule(module.get()) < 0) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    modules = Modules();
    if (modules == nullptr || PyObject_DelItem(modules, name) < 0) PyErr_Clear();  // `except KeyError: pass`, and no sys.modules at all
    PyErr_Restore(type, value, tb);
    failed = 1;
  }
  if (!failed) {
    // Moved to the end of sys.modules; what is there now is the result
    // (a module may have replaced itself).
    modules = Modules();
    if (modules == nullptr) {
      failed = 1;
    } else if (PyDict_Check(modules)) {
      module = PyRef::Steal(PyObject_GetItem(modules, name));
      failed = !module || PyObject_DelItem(modules, name) < 0 || PyObject_SetItem(modules, name, module.get()) < 0;
    } else {
      module = PyRef::Steal(PyObject_CallMethod(modules, "pop", "O", name));
      failed = !module || PyObject_SetItem(modules, name, module.get()) < 0;
    }
  }
  if (!failed && self->verbose >= 1) PySys_FormatStderr("import %R # %R\n", name, self->finder);
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  const int reset = PyObject_SetAttr(spec, self->strings[kInitializing], Py_False);
  if (type != nullptr) {
    if (reset < 0) PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return nullptr;
  }
  return reset < 0 ? nullptr : module.release();
}

PyObject* CallImport(PyObject* import_, PyObject* name) { return PyObject_CallFunctionObjArgs(import_, name, nullptr); }

// sys.modules.get(name): a new reference, or null (none, or an exception).
PyObject* ModulesGet(PyObject* name) {
  PyObject* modules = Modules();
  if (modules == nullptr) return nullptr;
  PyObject* module = PyObject_GetItem(modules, name);
  if (module == nullptr && PyErr_ExceptionMatches(PyExc_KeyError)) PyErr_Clear();
  return module;
}

// _find_and_load_unlocked(name, import_) once the finder is known to
// answer for `name`.
PyObject* FindAndLoadUnlocked(FastImportObject* self, PyObject* name, PyObject* import_, const StaticModuleEntry& entry) {
  const Py_ssize_t len = PyUnicode_GET_LENGTH(name);
  const Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, len, -1);
  if (dot == -2) return nullptr;
  PyRef parent, parent_module, child, parent_spec;
  if (dot > 0) {
    parent = PyRef::Steal(PyUnicode_Substring(name, 0, dot));
    child = parent ? PyRef::Steal(PyUnicode_Substring(name, dot + 1, len)) : PyRef();
    PyObject* modules = child ? Modules() : nullptr;
    const int has_parent = modules ? PySequence_Contains(modules, parent.get()) : -1;
    if (has_parent < 0) return nullptr;
    if (!has_parent && !PyRef::Steal(CallImport(import_, parent.get()))) return nullptr;
    // "Crazy side-effects!": importing the parent may have imported us.
    if (PyObject* done = ModulesGet(name)) {
#if PY_VERSION_HEX >= 0x030E0000
      if (done != Py_None) return done;
      Py_DECREF(done);
#else
      return done;
#endif
    }
    if (PyErr_Occurred() || !(modules = Modules())) return nullptr;
    parent_module = PyRef::Steal(PyObject_GetItem(modules, parent.get()));
    if (!parent_module) return nullptr;
    PyRef path = PyRef::Steal(PyObject_GetAttr(parent_module.get(), self->strings[kPath]));
    if (!path) {
      if (PyErr_ExceptionMatches(PyExc_AttributeError)) RaiseNotAPackage(name, parent.get());
      return nullptr;
    }
#if PY_VERSION_HEX >= 0x030B0000
    parent_spec = PyRef::Steal(PyObject_GetAttr(parent_module.get(), self->strings[kSpec]));
    if (!parent_spec) return nullptr;
#endif
#if PY_VERSION_HEX >= 0x030E0000
    // A parent still initialising (importing us from its own init): wait for it.
    PyRef initializing = PyRef::Steal(PyObject_GetAttr(parent_spec.get(), self->strings[kInitializing]));
    if (!initializing) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
      PyErr_Clear();
    }
    const int waiting = initializing ? PyObject_IsTrue(initializing.get()) : 0;
    if (waiting < 0 || (waiting && !PyRef::Steal(CallImport(import_, parent.get())))) return nullptr;
    if (PyObject* done = ModulesGet(name)) {
      if (done != Py_None) return done;
      Py_DECREF(done);
    }
    if (PyErr_Occurred()) return nullptr;
#endif
  }
  PyRef spec = PyRef::Steal(StaticFinder::SpecFor(self->finder, name, entry));
  if (!spec) return nullptr;
  PyRef submodules;
  if (parent_spec) {
    const int truthy = PyObject_IsTrue(parent_spec.get());
    if (truthy < 0) return nullptr;
    if (truthy) {
      submodules = PyRef::Steal(PyObject_GetAttr(parent_spec.get(), self->strings[kUninitialized]));
      if (!submodules || !PyRef::Steal(PyObject_CallMethod(submodules.get(), "append", "O", child.get()))) return nullptr;
    }
  }
  PyRef module = PyRef::Steal(LoadUnlocked(self, spec.get(), name, entry));
  if (submodules) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyRef popped = PyRef::Steal(PyObject_CallMethod(submodules.get(), "pop", nullptr));
    if (type != nullptr) {
      PyErr_Clear();
      PyErr_Restore(type, value, tb);
    } else if (!popped) {
      return nullptr;
    }
  }
  if (!module || !parent) return module.release();
  PyObject* modules = Modules();
  parent_module = modules ? PyRef::Steal(PyObject_GetItem(modules, parent.get())) : PyRef();
  if (!parent_module) return nullptr;
  if (PyObject_SetAttr(parent_module.get(), child.get(), module.get()) < 0) {
#if PY_VERSION_HEX >= 0x03090000
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
    PyErr_Clear();
    if (PyErr_WarnFormat(PyExc_ImportWarning, 1, "Cannot set an attribute on %R for child module %R", parent.get(),
                         child.get()) < 0) {
      return nullptr;
    }
#else
    return nullptr;
#endif
  }
  return module.release();
}

// The replacement of importlib._bootstrap._find_and_load(name, import_).
PyObject* FindAndLoad(PyObject* self_obj, PyObject* const* args, Py_ssize_t nargs) {
  return PyBoundary::Object("_find_and_load", [&]() -> PyObject* {
    FastImportObject* self = AsFast(self_obj);
    if (nargs == 2) {
      const StaticModuleEntry* entry = Eligible(self, args[0]);
      if (entry == nullptr && PyErr_Occurred()) return nullptr;
      const int claimed = entry != nullptr ? Claim(self, args[0]) : 0;
      if (claimed < 0) return nullptr;
      if (claimed) {
        if (Enter(self, args[0]) < 0) return nullptr;
        PyRef module = PyRef::Steal(FindAndLoadUnlocked(self, args[0], args[1], *entry));
        if (Leave(self, args[0]) < 0) return nullptr;
        return module.release();
      }
    }
    return compat::Vectorcall(self->find_and_load, args, static_cast<size_t>(nargs), nullptr);
  });
}

// The replacement of importlib._bootstrap._lock_unlock_module(name), which
// waits until whoever imports `name` is done: it makes importlib's lock of a
// fast import first.
PyObject* LockUnlock(PyObject* self_obj, PyObject* name) {
  return PyBoundary::Object("_lock_unlock_module", [&]() -> PyObject* {
    FastImportObject* self = AsFast(self_obj);
    if (PyUnicode_Check(name) && !self->imports->empty() && Claim(self, name) < 0) return nullptr;
    return PyObject_CallFunctionObjArgs(self->lock_unlock, name, nullptr);
  });
}

int Traverse(PyObject* self_obj, visitproc visit, void* arg) {
  FastImportObject* self = AsFast(self_obj);
  Py_VISIT(Py_TYPE(self_obj));
  Py_VISIT(self->finder);
  Py_VISIT(self->find_and_load);
  Py_VISIT(self->lock_unlock);
  if (self->imports != nullptr) {
    for (const InProgress& i : *self->imports) Py_VISIT(i.lock);
  }
  return self->locks.Traverse(visit, arg);
}

int Clear(PyObject* self_obj) {
  FastImportObject* self = AsFast(self_obj);
  Py_CLEAR(self->finder);
  Py_CLEAR(self->find_and_load);
  Py_CLEAR(self->lock_unlock);
  for (PyObject*& s : self->strings) Py_CLEAR(s);
  self->locks.Clear();
  if (self->imports != nullptr) {
    for (InProgress& i : *self->imports) {
      Py_CLEAR(i.name);
      Py_CLEAR(i.lock);
    }
    self->imports->clear();
  }
  return 0;
}

void Dealloc(PyObject* self_obj) {
  PyTypeObject* type = Py_TYPE(self_obj);
  PyObject_GC_UnTrack(self_obj);
  Clear(self_obj);
  delete AsFast(self_obj)->imports;
  type->tp_free(self_obj);
  Py_DECREF(type);
}

PyMethodDef kMethods[] = {
    {"_find_and_load", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(FindAndLoad)), METH_FASTCALL,
     "_find_and_load(name, import_): static-py's fast path for static modules, importlib's for the rest"},
    {"_lock_unlock_module", LockUnlock, METH_O,
     "_lock_unlock_module(name): waits for the import of name under way, fast or not"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot kSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(Dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(Traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(Clear)},
    {Py_tp_methods, kMethods},
    {Py_tp_doc, const_cast<char*>("static-py's import path for static modules (loader/fast_import.h)")},
    {0, nullptr},
};

PyType_Spec kTypeSpec = {kTypeName, sizeof(FastImportObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, kSlots};

// Replaces importlib's function `attr` by the same-named method of `fast`.
int Replace(PyObject* bootstrap, PyObject* fast, const char* attr) {
  PyRef method = PyRef::Steal(PyObject_GetAttrString(fast, attr));
  return method ? PyObject_SetAttrString(bootstrap, attr, method.get()) : -1;
}

}  // namespace

int FastImport::Install(PyObject* finder) {
  PyRef type = PyRef::Steal(PyType_FromSpec(&kTypeSpec));
  PyRef bootstrap = type ? PyRef::Steal(PyImport_ImportModule("_frozen_importlib")) : PyRef();
  PyObject* flags = PySys_GetObject("flags");  // borrowed
  PyRef verbose = bootstrap && flags ? PyRef::Steal(PyObject_GetAttrString(flags, "verbose")) : PyRef();
  if (!verbose) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "static-py: no sys.flags");
    return -1;
  }
  auto* self = PyObject_GC_New(FastImportObject, reinterpret_cast<PyTypeObject*>(type.get()));
  if (self == nullptr) return -1;  // (PyObject_GC_New took the instance's reference to its type)
  PyRef owned = PyRef::Steal(reinterpret_cast<PyObject*>(self));
  self->finder = nullptr;
  self->find_and_load = nullptr;
  self->lock_unlock = nullptr;
  for (PyObject*& s : self->strings) s = nullptr;
  self->verbose = static_cast<int>(PyLong_AsLong(verbose.get()));
  self->locks = ImportlibLocks{};
  self->imports = new std::vector<InProgress>();
  PyObject_GC_Track(owned.get());
  Py_INCREF(finder);
  self->finder = finder;
  for (int i = 0; i < kStrCount; i++) {
    self->strings[i] = PyUnicode_InternFromString(kStrings[i]);
    if (self->strings[i] == nullptr) return -1;
  }
  self->find_and_load = PyObject_GetAttrString(bootstrap.get(), "_find_and_load");
  self->lock_unlock = self->find_and_load ? PyObject_GetAttrString(bootstrap.get(), "_lock_unlock_module") : nullptr;
  if (self->lock_unlock == nullptr || self->locks.Init(bootstrap.get()) < 0) return -1;
  return Replace(bootstrap.get(), owned.get(), "_lock_unlock_module") < 0 ||
                 Replace(bootstrap.get(), owned.get(), "_find_and_load") < 0
             ? -1
             : 0;
}

}  // namespace static_py
