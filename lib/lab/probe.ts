// Python run in every interpreter a lab scenario uses: how it imports and
// what it observes. It is exec'd into __main__, so the functions are called
// by name (interp.call('lab_load', name)).

/**
 * A finder that serves modules from shared libraries through CPython's own
 * ExtensionFileLoader, ahead of every other finder: the lab's `dynamic`
 * loader and the differential test's reference side. A name is looked up
 * whole, then by its last part, so an alias pkg.X finds X's library.
 */
export const DYNAMIC_FINDER = String.raw`
import importlib.machinery, importlib.util, sys

class _LabDynamicFinder:
    def __init__(self, libraries):
        self.libraries = libraries
    def find_spec(self, name, path=None, target=None):
        library = self.libraries.get(name) or self.libraries.get(name.rpartition(".")[2])
        if library is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(name, library)
        return importlib.util.spec_from_file_location(name, library, loader=loader)

def lab_install_dynamic(libraries):
    sys.meta_path.insert(0, _LabDynamicFinder(libraries))
`;

export const PROBE = DYNAMIC_FINDER + String.raw`
import importlib, sys

def lab_observe(m):
    fn = getattr(m, "init_count", None)
    ran_in = getattr(m, "init_interpreter", None)
    here = getattr(m, "interpreter", None)
    owner = getattr(fn, "__self__", None)
    return {
        "name": m.__name__,
        "id": id(m),
        "init_count": fn() if fn is not None else None,
        "serial": getattr(m, "INIT_SERIAL", None),
        "init_interpreter": ran_in() if ran_in is not None else None,
        "interpreter": here() if here is not None else None,
        "fn_id": id(fn) if fn is not None else None,
        "self_is_module": owner is m if fn is not None else None,
        "self_name": getattr(owner, "__name__", None),
        "added": getattr(m, "LAB_ADDED", False),
    }

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
