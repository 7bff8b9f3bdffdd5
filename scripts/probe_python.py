# Run by scripts/lib/python-probe.mjs with the interpreter being probed
# (`python -E -s -S probe_python.py`, options even Python 2 knows). Prints one JSON object describing the
# build: everything the addon build needs comes from here, never from
# hard-coded paths. Must stay compatible with every CPython we support (3.8+).
import json
import os
import sys

if sys.version_info < (3, 8) or getattr(sys, "implementation", None) is None:
    # Old enough that the rest may not even parse its way through: say what
    # it is and let the build refuse it with a clear message.
    print(json.dumps({"implementation": "cpython", "version": list(sys.version_info[:3]) + ["final", 0]}))
    sys.exit(0)

import sysconfig  # noqa: E402


def var(name, default=None):
    value = sysconfig.get_config_var(name)
    return default if value is None else value


def libpython_paths():
    """Where the shared and static libpython of this build live, if they exist."""
    libdir = var("LIBDIR", "")
    multiarch = var("MULTIARCH", "")
    dirs = [libdir]
    if multiarch:
        dirs.append(os.path.join(libdir, multiarch))
    dirs.append(var("LIBPL", ""))
    found = {"shared": None, "static": None}
    names = {
        "shared": [var("INSTSONAME", ""), var("LDLIBRARY", "")],
        # Debian ships a position-independent static archive next to the
        # plain one; only the PIC one can go into a shared object (.node).
        "static": [var("LIBRARY", "").replace(".a", "-pic.a"), var("LIBRARY", "")],
    }
    for kind, candidates in names.items():
        for name in candidates:
            if not name or (kind == "shared" and not name.endswith((".so", ".so.1.0")) and ".so." not in name):
                continue
            for d in dirs:
                path = os.path.join(d, name) if d else ""
                if path and os.path.exists(path):
                    found[kind] = os.path.realpath(path) if kind == "shared" else path
                    break
            if found[kind]:
                break
    return found


paths = sysconfig.get_paths()
libs = libpython_paths()
print(json.dumps({
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:3]) + [sys.version_info.releaselevel, sys.version_info.serial],
    "hexversion": sys.hexversion,
    "abiflags": getattr(sys, "abiflags", ""),
    "debug": bool(var("Py_DEBUG", 0)),
    "gil_disabled": bool(var("Py_GIL_DISABLED", 0)),
    "executable": os.path.realpath(sys.executable),
    "executable_as_run": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "exec_prefix": sys.exec_prefix,
    "in_venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
    "include_dirs": sorted({paths["include"], paths["platinclude"]}),
    "libdir": var("LIBDIR", ""),
    "ldversion": var("LDVERSION", "%d.%d" % sys.version_info[:2]),
    "enable_shared": bool(var("Py_ENABLE_SHARED", 0)),
    "libpython_shared": libs["shared"],
    "libpython_static": libs["static"],
    "syslibs": (var("LIBS", "") + " " + var("SYSLIBS", "")).split(),
    "modlibs": var("MODLIBS", "").split(),
    "ext_suffix": var("EXT_SUFFIX", ""),
    "multiarch": var("MULTIARCH", ""),
    "cc": var("CC", "cc"),
    "builtin_module_names": list(sys.builtin_module_names),
}))
