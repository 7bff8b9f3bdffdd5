# CPython's own subinterpreter lifecycle, for scripts/stress.mjs to compare
# with: the same cycles (create, import json and call it, destroy) through
# the interpreter's private module, in a process with nothing of ours.
# 3.12 and 3.13 keep much of an ended interpreter's memory, in proportion to
# what it held, so the loop holds what a static-py interpreter holds.
# Each NAME=PATH:FUNC imports the extension module NAME from the shared
# library PATH with CPython's own loader in every cycle, and calls FUNC.
#   python stress_baseline.py legacy|isolated CYCLES WARMUP [NAME=PATH:FUNC...]
# Prints the growth in MB over CYCLES after WARMUP of RSS, and of what
# malloc() has handed out and not had back.
import gc
import sys

try:
    import _interpreters as interpreters  # 3.13+

    def create(kind):
        return interpreters.create(kind)

    def run(interp, code):
        interpreters.exec(interp, code)
except ImportError:
    import _xxsubinterpreters as interpreters  # 3.8-3.12

    def create(kind):
        if sys.version_info >= (3, 12):
            return interpreters.create(isolated=kind == "isolated")
        return interpreters.create()

    def run(interp, code):
        interpreters.run_string(interp, code)


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def malloc_mb():
    # What malloc() has handed out and not had back (glibc's mallinfo2), or nan.
    try:
        import ctypes

        class Info(ctypes.Structure):
            _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

        f = ctypes.CDLL(None).mallinfo2
    except (ImportError, OSError, AttributeError):
        return float("nan")
    f.restype = Info
    info = f()
    return (info.uordblks + info.hblkhd) / 2**20


# What every static-py subinterpreter holds before 3.13 (threading, imported
# on the thread that will end it: native/interp/subinterpreter.cc).
SETUP = "import threading; " if sys.version_info < (3, 13) else ""


def importing(ext):
    name, rest = ext.split("=", 1)
    path, func = rest.rsplit(":", 1)
    return (
        "import importlib.util as u; "
        f"s = u.spec_from_file_location({name!r}, {path!r}); m = u.module_from_spec(s); "
        f"s.loader.exec_module(m); sys.modules[{name!r}] = m; m.{func}(); "
    )


def main():
    kind, cycles, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    code = SETUP + "import sys; " + "".join(importing(e) for e in sys.argv[4:])
    code += "import json; json.dumps({'cycle': True, 'values': [1, 2, 3]})"

    def cycle():
        interp = create(kind)
        run(interp, code)
        interpreters.destroy(interp)

    for _ in range(warmup):
        cycle()
    gc.collect()
    before, before_malloc = rss_mb(), malloc_mb()
    for _ in range(cycles):
        cycle()
    gc.collect()
    print(f"{rss_mb() - before:.1f} {malloc_mb() - before_malloc:.1f}")


# scripts/stress.mjs also loads this file (runpy) for malloc_mb alone.
if __name__ == "__main__":
    main()
