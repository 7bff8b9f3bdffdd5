#include "loader/static_finder.h"

#include <dlfcn.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loader/init_func_loader.h"
#include "loader/static_table.h"
#include "util/compat.h"
#include "util/py_ref.h"

namespace static_py {
namespace {

constexpr const char* kTypeName = "static_py.StaticFinder";
constexpr const char* kTypeKey = "static_py.StaticFinder";  // in the interpreter's state dict
constexpr const char* kInstalledKey = "static_py.StaticFinder.installed";  // likewise, once equipped

enum class Mode : int { kModules = 0, kPackages = 1, kBound = 2 };

struct FinderObject {
  PyObject_HEAD
  Mode mode;
  PyObject* spec_class;    // importlib's ModuleSpec, of this interpreter
  PyObject* spec_kwnames;  // ("origin", "is_package"), made once: find_spec is on every import's path
  PyObject* templates[2];  // vars() of a spec ModuleSpec.__init__ made, [is_package]; null until first use
  PyObject* origin;        // str or None
  StaticInitFunc init;   // kBound only
};

FinderObject* AsFinder(PyObject* self) { return reinterpret_cast<FinderObject*>(self); }

void FinderDealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(AsFinder(self)->spec_class);
  Py_XDECREF(AsFinder(self)->spec_kwnames);
  Py_XDECREF(AsFinder(self)->templates[0]);
  Py_XDECREF(AsFinder(self)->templates[1]);
  Py_XDECREF(AsFinder(self)->origin);
  type->tp_free(self);
  Py_DECREF(type);  // instances of heap types own a reference to their type
}

const StaticModuleEntry* EntryFor(PyObject* name) {
  if (!PyUnicode_Check(name)) return nullptr;
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(name, &size);
  if (utf8 == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  return StaticTable::Find(utf8, static_cast<size_t>(size));
}

// A ModuleSpec as ModuleSpec(name, finder, origin=..., is_package=...) makes
// it. The first one per kind is made that way and its attributes kept; the
// rest are new instances given a copy of them (name replaced, the lists
// ModuleSpec.__init__ starts empty made afresh), which skips running
// __init__ in Python on every import. 20.loader.test.ts holds the two ways
// equal on every version.
PyObject* MakeSpec(FinderObject* finder, PyObject* name, PyObject* origin, bool is_package) {
  PyObject*& templ = finder->templates[is_package ? 1 : 0];
  if (templ == nullptr) {
    PyObject* args[] = {name, reinterpret_cast<PyObject*>(finder), origin, is_package ? Py_True : Py_False};
    PyRef spec = PyRef::Steal(compat::Vectorcall(finder->spec_class, args, 2, finder->spec_kwnames));
    PyRef attrs = spec ? PyRef::Steal(PyObject_GetAttrString(spec.get(), "__dict__")) : PyRef();
    if (!attrs) return nullptr;
    templ = PyDict_Copy(attrs.get());
    // The template must not refer to the finder that owns it: finder ->
    // template -> finder is a cycle the (untracked) finder never leaves, and
    // it would keep every subinterpreter's finder and ModuleSpec class alive.
    // The key stays, for the same attribute order; each copy sets it.
    if (templ == nullptr || PyDict_SetItemString(templ, "loader", Py_None) < 0) return nullptr;
    return spec.release();
  }
  auto* type = reinterpret_cast<PyTypeObject*>(finder->spec_class);
  PyRef empty = PyRef::Steal(PyTuple_New(0));
  PyRef spec = empty ? PyRef::Steal(type->tp_new(type, empty.get(), nullptr)) : PyRef();
  PyRef attrs = spec ? PyRef::Steal(PyDict_Copy(templ)) : PyRef();
  if (!attrs || PyDict_SetItemString(attrs.get(), "name", name) < 0 ||
      PyDict_SetItemString(attrs.get(), "loader", reinterpret_cast<PyObject*>(finder)) < 0) {
    return nullptr;
  }
  PyObject *key, *value;
  for (Py_ssize_t pos = 0; PyDict_Next(templ, &pos, &key, &value);) {
    if (!PyList_CheckExact(value)) continue;
    PyRef fresh = PyRef::Steal(PyList_New(0));
    if (!fresh || PyDict_SetItem(attrs.get(), key, fresh.get()) < 0) return nullptr;
  }
  if (PyObject_SetAttrString(spec.get(), "__dict__", attrs.get()) < 0) return nullptr;
  return spec.release();
}

// Written once before Python starts (SetMissingNames), read-only after.
const std::unordered_map<std::string, std::string>* g_missing_names = nullptr;

// None, or ModuleNotFoundError saying why a name the manifest lists is missing.
PyObject* MissingName(PyObject* name) {
  if (g_missing_names == nullptr) Py_RETURN_NONE;
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &size) : nullptr;
  if (utf8 == nullptr) {
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  auto it = g_missing_names->find(std::string(utf8, static_cast<size_t>(size)));
  if (it == g_missing_names->end()) Py_RETURN_NONE;
  PyRef message = PyRef::Steal(PyUnicode_FromStringAndSize(it->second.data(), static_cast<Py_ssize_t>(it->second.size())));
  if (message) PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, message.get(), name, nullptr);
  return nullptr;
}

// find_spec(fullname, path=None, target=None)
PyObject* FindSpec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_Format(PyExc_TypeError, "find_spec() takes from 1 to 3 arguments (%zd given)", nargs);
    return nullptr;
  }
  FinderObject* finder = AsFinder(self);
  const StaticModuleEntry* entry = EntryFor(args[0]);
  if (entry == nullptr) {
    // Not ours: the next finder's turn, or, last of all, why it is missing.
    if (finder->mode == Mode::kPackages) return MissingName(args[0]);
    Py_RETURN_NONE;
  }
  const bool has_init = (entry->flags & kEntryHasInit) != 0;
  const bool is_package = (entry->flags & kEntryIsPackage) != 0;
  if (finder->mode == Mode::kModules && has_init) {
    return MakeSpec(finder, args[0], finder->origin, is_package);
  }
  if (finder->mode == Mode::kPackages && !has_init) {
    // A parent nothing else provided: an empty package, like a namespace
    // package but owned by us, so `import a.b.c` works with only a.b.c static.
    return MakeSpec(finder, args[0], Py_None, true);
  }
  Py_RETURN_NONE;
}

PyObject* CreateModule(PyObject* self, PyObject* spec) {
  FinderObject* finder = AsFinder(self);
  if (finder->mode == Mode::kPackages) Py_RETURN_NONE;  // the default module will do
  if (finder->mode == Mode::kBound) return InitFuncLoader::CreateModule(spec, finder->init);
  PyRef name = PyRef::Steal(PyObject_GetAttrString(spec, "name"));
  if (!name) return nullptr;
  const StaticModuleEntry* entry = EntryFor(name.get());
  if (entry == nullptr || !(entry->flags & kEntryHasInit)) {
    PyErr_Format(PyExc_ImportError, "static-py: no static extension module is named %R", name.get());
    return nullptr;
  }
  InitKind kind = InitKind::kUnknown;
  PyObject* module = InitFuncLoader::CreateModule(spec, StaticTable::Init(*entry), &kind);
  if (kind != InitKind::kUnknown) StaticTable::RecordInitKind(entry, kind);
  return module;
}

PyObject* ExecModule(PyObject* self, PyObject* module) {
  if (AsFinder(self)->mode != Mode::kPackages && InitFuncLoader::ExecModule(module) < 0) return nullptr;
  Py_RETURN_NONE;
}

PyObject* IsPackage(PyObject* self, PyObject* name) {
  (void)self;
  const StaticModuleEntry* entry = EntryFor(name);
  return PyBool_FromLong(entry != nullptr && (entry->flags & kEntryIsPackage) != 0);
}

PyObject* ReturnNone(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyObject* InvalidateCaches(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyObject* FinderRepr(PyObject* self) {
  static const char* kModes[] = {"static extensions", "static parent packages", "one init function"};
  FinderObject* finder = AsFinder(self);
  return PyUnicode_FromFormat("<static_py.StaticFinder: %s in %R>", kModes[static_cast<int>(finder->mode)],
                              finder->origin);
}

PyMethodDef kFinderMethods[] = {
    {"find_spec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(FindSpec)), METH_FASTCALL,
     "find_spec(fullname, path=None, target=None): a ModuleSpec for a static extension, or None"},
    {"create_module", CreateModule, METH_O, "create_module(spec): runs the module's init function"},
    {"exec_module", ExecModule, METH_O, "exec_module(module): runs a multi-phase module's exec slots"},
    {"is_package", IsPackage, METH_O, "is_package(fullname): whether static names lie below fullname"},
    {"get_code", ReturnNone, METH_O, "get_code(fullname): None, extension modules have no code object"},
    {"get_source", ReturnNone, METH_O, "get_source(fullname): None, extension modules have no source"},
    {"invalidate_caches", InvalidateCaches, METH_NOARGS, "invalidate_caches(): nothing to do, the table is constant"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot kFinderSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(FinderDealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(FinderRepr)},
    {Py_tp_methods, kFinderMethods},
    {Py_tp_doc, const_cast<char*>("static-py's finder and loader for extension modules linked into the addon")},
    {0, nullptr},
};

PyType_Spec kFinderSpec = {kTypeName, sizeof(FinderObject), 0, Py_TPFLAGS_DEFAULT, kFinderSlots};

// The finder type of the current interpreter, made on first use and kept in
// the interpreter's state dict. Borrowed.
PyObject* FinderType() {
  PyObject* state = PyInterpreterState_GetDict(compat::CurrentInterpreter());
  if (state == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "static-py: the interpreter has no state dict");
    return nullptr;
  }
  PyObject* type = PyDict_GetItemString(state, kTypeKey);
  if (type != nullptr) return type;
  PyRef made = PyRef::Steal(PyType_FromSpec(&kFinderSpec));
  if (!made || PyDict_SetItemString(state, kTypeKey, made.get()) < 0) return nullptr;
  return made.get();  // the state dict keeps it alive
}

PyObject* NewFinder(Mode mode, PyObject* origin, StaticInitFunc init) {
  PyObject* type = FinderType();
  if (type == nullptr) return nullptr;
  PyRef bootstrap = PyRef::Steal(PyImport_ImportModule("_frozen_importlib"));
  PyRef spec_class = bootstrap ? PyRef::Steal(PyObject_GetAttrString(bootstrap.get(), "ModuleSpec")) : PyRef();
  PyRef kwnames = spec_class ? PyRef::Steal(Py_BuildValue("(ss)", "origin", "is_package")) : PyRef();
  if (!kwnames) return nullptr;
  auto* finder = PyObject_New(FinderObject, reinterpret_cast<PyTypeObject*>(type));
  if (finder == nullptr) return nullptr;
  finder->mode = mode;
  finder->spec_class = spec_class.release();
  finder->spec_kwnames = kwnames.release();
  finder->templates[0] = finder->templates[1] = nullptr;
  Py_INCREF(origin);
  finder->origin = origin;
  finder->init = init;
  return reinterpret_cast<PyObject*>(finder);
}

}  // namespace

std::string StaticFinder::FileContaining(const void* address) {
  Dl_info info;
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

namespace {
// Set once, before Python starts, by RegisterInInittab.
bool g_in_inittab = false;
}  // namespace

void StaticFinder::SetMissingNames(const std::vector<std::pair<std::string, std::string>>& names) {
  if (names.empty() || g_missing_names != nullptr) return;
  g_missing_names = new std::unordered_map<std::string, std::string>(names.begin(), names.end());
}

int StaticFinder::RegisterInInittab() {
  // PyImport_ExtendInittab keeps a pointer to names and functions and
  // copies the array; the names are the table's constant data.
  std::vector<_inittab> entries;
  StaticTable::ForEachModule([&entries](const StaticModuleEntry& e, InitKind) {
    if (std::memchr(StaticTable::Name(e), '.', e.name_len) == nullptr) entries.push_back({StaticTable::Name(e), StaticTable::Init(e)});
  });
  entries.push_back({nullptr, nullptr});
  if (PyImport_ExtendInittab(entries.data()) < 0) return -1;
  g_in_inittab = true;
  return 0;
}

bool StaticFinder::Installed() {
  PyObject* state = PyInterpreterState_GetDict(compat::CurrentInterpreter());
  return state != nullptr && PyDict_GetItemString(state, kInstalledKey) != nullptr;
}

int StaticFinder::Install() {
  if (g_in_inittab || Installed()) return 0;
  std::string addon = FileContaining(&kStaticTableData);
  PyRef origin = addon.empty() ? PyRef::Borrow(Py_None) : PyRef::Steal(PyUnicode_DecodeFSDefault(addon.c_str()));
  if (!origin) return -1;
  PyRef modules = PyRef::Steal(NewFinder(Mode::kModules, origin.get(), nullptr));
  PyRef packages = PyRef::Steal(NewFinder(Mode::kPackages, origin.get(), nullptr));
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  if (!modules || !packages || meta_path == nullptr || !PyList_Check(meta_path)) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "static-py: sys.meta_path is not a list");
    return -1;
  }
  if (PyList_Insert(meta_path, 0, modules.get()) < 0 || PyList_Append(meta_path, packages.get()) < 0) return -1;
  return PyDict_SetItemString(PyInterpreterState_GetDict(compat::CurrentInterpreter()), kInstalledKey, Py_True);
}

std::string StaticFinder::LoaderKind(PyObject* loader) {
  if (loader == nullptr || loader == Py_None) return "namespace";
  PyTypeObject* type = Py_TYPE(loader);
  if (PyType_Check(loader)) type = reinterpret_cast<PyTypeObject*>(loader);  // BuiltinImporter & co. are classes
  if (std::strcmp(type->tp_name, kTypeName) == 0) {
    return AsFinder(loader)->mode == Mode::kPackages ? "static-package" : "static";
  }
  const char* name = std::strrchr(type->tp_name, '.');
  name = name ? name + 1 : type->tp_name;
  static const struct {
    const char* type;
    const char* kind;
  } kKinds[] = {
      {"BuiltinImporter", "builtin"},       {"FrozenImporter", "frozen"},
      {"ExtensionFileLoader", "extension"}, {"SourceFileLoader", "source"},
      {"SourcelessFileLoader", "sourceless"}, {"NamespaceLoader", "namespace"},
      {"_NamespaceLoader", "namespace"},
  };
  for (const auto& k : kKinds) {
    if (std::strcmp(name, k.type) == 0) return k.kind;
  }
  return type->tp_name;
}

PyObject* StaticFinder::ImportWithInitFunc(PyObject* name, StaticInitFunc initfunc, PyObject* origin) {
  // Before sys.modules: "sys" is always there, and must still be refused.
  if (InitFuncLoader::CheckName(name) < 0) return nullptr;
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  PyObject* existing = PyDict_GetItemWithError(modules, name);
  if (existing != nullptr) {
    Py_INCREF(existing);
    return existing;
  }
  if (PyErr_Occurred()) return nullptr;

  // Parents first, as the import system does; importing them may import us.
  Py_ssize_t len = PyUnicode_GetLength(name);
  Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, len, -1);
  if (dot == -2) return nullptr;
  PyRef parent;
  if (dot > 0) {
    PyRef parent_name = PyRef::Steal(PyUnicode_Substring(name, 0, dot));
    parent = parent_name ? PyRef::Steal(PyImport_Import(parent_name.get())) : PyRef();
    if (!parent) return nullptr;
    existing = PyDict_GetItemWithError(modules, name);
    if (existing != nullptr) {
      Py_INCREF(existing);
      return existing;
    }
    if (PyErr_Occurred()) return nullptr;
  }

  PyRef where;
  if (origin == nullptr) {
    std::string file = FileContaining(reinterpret_cast<const void*>(initfunc));
    where = file.empty() ? PyRef::Borrow(Py_None) : PyRef::Steal(PyUnicode_DecodeFSDefault(file.c_str()));
    if (!where) return nullptr;
    origin = where.get();
  }
  PyRef loader = PyRef::Steal(NewFinder(Mode::kBound, origin, initfunc));
  if (!loader) return nullptr;
  PyRef spec = PyRef::Steal(MakeSpec(AsFinder(loader.get()), name, origin, false));
  if (!spec) return nullptr;
  // importlib's own _load(): module_from_spec, sys.modules, exec_module,
  // and the clean-up of sys.modules when anything fails.
  PyRef bootstrap = PyRef::Steal(PyImport_ImportModule("_frozen_importlib"));
  PyRef module = bootstrap ? PyRef::Steal(PyObject_CallMethod(bootstrap.get(), "_load", "O", spec.get())) : PyRef();
  if (!module) return nullptr;
  if (parent) {
    PyRef child = PyRef::Steal(PyUnicode_Substring(name, dot + 1, len));
    if (!child || PyObject_SetAttr(parent.get(), child.get(), module.get()) < 0) return nullptr;
  }
  return module.release();
}

}  // namespace static_py
