// Python run in every interpreter a lab scenario uses: how it imports and
// what it observes. It is exec'd into __main__, so the functions are called
// by name (interp.call('lab_load', name)).

/**
 * A finder that serves modules from shared libraries through CPython's own
 * ExtensionFileLoader, ahead of every other finder: the lab's `dynamic`
 * loader and the differential test's reference side. A name is looked up
 * whole, then by its last part, so an alias pkg.X finds the library of
 * any module whose name ends in X.
 */
export const DYNAMIC_FINDER = String.raw`
import importlib.machinery, importlib.util, sys

class _LabDynamicFinder:
    def __init__(self, libraries):
        self.libraries = libraries
        self.by_last_part = {k.rpartition(".")[2]: v for k, v in libraries.items()}
    def find_spec(self, name, path=None, target=None):
        library = self.libraries.get(name) or self.by_last_part.get(name.rpartition(".")[2])
        if library is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(name, library)
        return importlib.util.spec_from_file_location(name, library, loader=loader)

def lab_install_dynamic(libraries):
    sys.meta_path.insert(0, _LabDynamicFinder(libraries))
`;

export const PROBE = DYNAMIC_FINDER + String.raw`
import importlib, sys, types

def _lab_interpreter_id():
    try:
        import _interpreters  # 3.13
        current = _interpreters.get_current()
        return int(current[0] if isinstance(current, tuple) else current)
    except ImportError:
        import _xxsubinterpreters
        return int(_xxsubinterpreters.get_current())

def _lab_probe_function(m):
    # A function whose identity and __self__ the scenarios follow: the test
    # extensions' init_count(), else a user's module's first builtin
    # function, else its first callable (never called).
    counter = getattr(m, "init_count", None)
    if counter is not None:
        return counter, True
    names = sorted(n for n in vars(m) if not n.startswith("__"))
    for name in names:
        if isinstance(vars(m)[name], types.BuiltinFunctionType):
            return vars(m)[name], False
    for name in names:
        if callable(vars(m)[name]):
            return vars(m)[name], False
    return None, False

def lab_observe(m):
    fn, counts = _lab_probe_function(m)
    ran_in = getattr(m, "init_interpreter", None)
    owner = getattr(fn, "__self__", None)
    return {
        "name": m.__name__,
        "id": id(m),
        "init_count": fn() if counts else None,
        "serial": getattr(m, "INIT_SERIAL", None),
        "init_interpreter": ran_in() if ran_in is not None else None,
        "interpreter": _lab_interpreter_id(),
        "fn_id": id(fn) if fn is not None else None,
        "self_is_module": owner is m if fn is not None else None,
        "self_type": type(owner).__name__ if fn is not None else None,
        "self_name": getattr(owner, "__name__", None) if isinstance(owner, type(sys)) else None,
        "added": getattr(m, "LAB_ADDED", False),
    }

def lab_exercise(name, expressions):
    # What each expression gives here: the type of its value, whose
    # identity tells, across interpreters, whose class it is.
    out = []
    for expression in expressions:
        try:
            value = eval(expression, {"m": sys.modules[name]})
            t = type(value)
            out.append({"ok": True, "type": t.__module__ + "." + t.__qualname__, "typeId": id(t),
                        "builtin": t.__module__ == "builtins"})
        except BaseException as e:
            out.append({"ok": False, "error": type(e).__name__ + ": " + str(e)})
    return out

def lab_add_path(directories):
    sys.path[:0] = [d for d in directories if d not in sys.path]

def lab_load(name):
    try:
        m = importlib.import_module(name)
    except BaseException as e:
        return {"ok": False, "error": type(e).__name__ + ": " + str(e)}
    return {"ok": True, "obs": lab_observe(m)}

def lab_forget(name):
    sys.modules.pop(name, None)

def lab_mark(name):
    sys.modules[name].LAB_ADDED = True
`;
