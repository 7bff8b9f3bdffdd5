#include "loader/static_finder.h"

#include <cstring>
#include <string>
#include <vector>

#include "cpython/compat.h"
#include "cpython/module_spec_factory.h"
#include "errors/py_boundary.h"
#include "loader/fast_import.h"
#include "loader/init_func_loader.h"
#include "loader/static_table.h"
#include "runtime/process_state.h"
#include "util/py_ref.h"
#include "util/py_strings.h"
#include "util/shared_object.h"

namespace static_py {
namespace {

constexpr const char* kTypeName = "static_py.StaticFinder";
constexpr const char* kTypeKey = "static_py.StaticFinder";  // in the interpreter's state dict
constexpr const char* kInstalledKey = "static_py.StaticFinder.installed";  // likewise, once equipped

enum class Mode : int { kModules = 0, kPackages = 1, kBound = 2 };

struct FinderObject {
  PyObject_HEAD
  Mode mode;
  ModuleSpecFactory specs;  // find_spec is on every import's path
  PyObject* origin;         // str or None
  StaticInitFunc init;      // kBound only
};

FinderObject* AsFinder(PyObject* self) { return reinterpret_cast<FinderObject*>(self); }

void FinderDealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  AsFinder(self)->specs.Clear();
  Py_XDECREF(AsFinder(self)->origin);
  type->tp_free(self);
  Py_DECREF(type);  // instances of heap types own a reference to their type
}

const StaticModuleEntry* EntryFor(PyObject* name) {
  const auto utf8 = Utf8View(name);
  return utf8 ? StaticTable::Find(utf8->data(), utf8->size()) : nullptr;
}

PyObject* MakeSpec(FinderObject* finder, PyObject* name, PyObject* origin, bool is_package) {
  return finder->specs.Make(name, reinterpret_cast<PyObject*>(finder), origin, is_package);
}

// None, or ModuleNotFoundError saying why a name the manifest lists is
// missing from the build (ProcessState::missing_names; see static_finder.h).
PyObject* MissingName(PyObject* name) {
  const auto& missing = ProcessState::Get().missing_names();
  if (missing.empty()) Py_RETURN_NONE;
  const auto utf8 = Utf8View(name);
  if (!utf8) Py_RETURN_NONE;
  auto it = missing.find(std::string(*utf8));
  if (it == missing.end()) Py_RETURN_NONE;
  PyRef message = PyRef::Steal(PyUnicode_FromStringAndSize(it->second.data(), static_cast<Py_ssize_t>(it->second.size())));
  if (message) PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, message.get(), name, nullptr);
  return nullptr;
}

// find_spec(fullname, path=None, target=None)
PyObject* FindSpec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return PyBoundary::Object("find_spec", [&]() -> PyObject* {
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
    if (finder->mode == Mode::kModules && has_init) return MakeSpec(finder, args[0], finder->origin, is_package);
    if (finder->mode == Mode::kPackages && !has_init) {
      // A parent nothing else provided: an empty package, like a namespace
      // package but owned by us, so `import a.b.c` works with only a.b.c static.
      return MakeSpec(finder, args[0], Py_None, true);
    }
    Py_RETURN_NONE;
  });
}

PyObject* CreateModule(PyObject* self, PyObject* spec) {
  return PyBoundary::Object("create_module", [&]() -> PyObject* {
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
    return StaticFinder::CreateFor(spec, *entry);
  });
}

PyObject* ExecModule(PyObject* self, PyObject* module) {
  return PyBoundary::Object("exec_module", [&]() -> PyObject* {
    if (AsFinder(self)->mode != Mode::kPackages && InitFuncLoader::ExecModule(module) < 0) return nullptr;
    Py_RETURN_NONE;
  });
}

PyObject* IsPackage(PyObject*, PyObject* name) {
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
  auto* finder = PyObject_New(FinderObject, reinterpret_cast<PyTypeObject*>(type));
  if (finder == nullptr) return nullptr;
  finder->mode = mode;
  Py_INCREF(origin);
  finder->origin = origin;
  finder->init = init;
  PyRef owned = PyRef::Steal(reinterpret_cast<PyObject*>(finder));
  if (finder->specs.Init() < 0) return nullptr;
  return owned.release();
}

}  // namespace

int StaticFinder::RegisterInInittab() {
  // PyImport_ExtendInittab keeps a pointer to names and functions and
  // copies the array; the names are the table's constant data.
  std::vector<_inittab> entries;
  StaticTable::ForEachModule([&entries](const StaticModuleEntry& e, InitKind) {
    if (std::memchr(StaticTable::Name(e), '.', e.name_len) == nullptr) entries.push_back({StaticTable::Name(e), StaticTable::Init(e)});
  });
  entries.push_back({nullptr, nullptr});
  if (PyImport_ExtendInittab(entries.data()) < 0) return -1;
  return 0;
}

bool StaticFinder::Installed() {
  PyObject* state = PyInterpreterState_GetDict(compat::CurrentInterpreter());
  return state != nullptr && PyDict_GetItemString(state, kInstalledKey) != nullptr;
}

int StaticFinder::Install() {
  if (ProcessState::Get().inittab() || Installed()) return 0;
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
  if (ProcessState::Get().fast_import() && FastImport::Install(modules.get()) < 0) return -1;
  return PyDict_SetItemString(PyInterpreterState_GetDict(compat::CurrentInterpreter()), kInstalledKey, Py_True);
}

PyObject* StaticFinder::SpecFor(PyObject* finder, PyObject* name, const StaticModuleEntry& entry) {
  return MakeSpec(AsFinder(finder), name, AsFinder(finder)->origin, (entry.flags & kEntryIsPackage) != 0);
}

PyObject* StaticFinder::CreateFor(PyObject* spec, const StaticModuleEntry& entry) {
  InitKind kind = InitKind::kUnknown;
  PyObject* module = InitFuncLoader::CreateModule(spec, StaticTable::Init(entry), &kind, &entry);
  if (kind != InitKind::kUnknown) StaticTable::RecordInitKind(&entry, kind);
  return module;
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
  PyRef module = spec ? PyRef::Steal(ModuleSpecFactory::Load(spec.get())) : PyRef();
  if (!module) return nullptr;
  if (parent) {
    PyRef child = PyRef::Steal(PyUnicode_Substring(name, dot + 1, len));
    if (!child || PyObject_SetAttr(parent.get(), child.get(), module.get()) < 0) return nullptr;
  }
  return module.release();
}

}  // namespace static_py
