# CPython's own subinterpreter lifecycle, for scripts/stress.mjs to compare
# with: the same cycles (create, import json and call it, destroy) through
# the interpreter's private module, in a process with nothing of ours.
# 3.12 and 3.13 keep much of an ended interpreter's memory, in proportion to
# what it held, so the loop holds what a static-py interpreter holds.
#   python stress_baseline.py legacy|isolated CYCLES WARMUP
# Prints the RSS growth in MB over CYCLES after WARMUP.
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


# What every static-py subinterpreter holds before 3.13 (threading, imported
# on the thread that will end it: native/interp/subinterpreter.cc).
SETUP = "import threading; " if sys.version_info < (3, 13) else ""


def cycle(kind):
    interp = create(kind)
    run(interp, SETUP + "import json; json.dumps({'cycle': True, 'values': [1, 2, 3]})")
    interpreters.destroy(interp)


kind, cycles, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(warmup):
    cycle(kind)
gc.collect()
before = rss_mb()
for _ in range(cycles):
    cycle(kind)
gc.collect()
print(f"{rss_mb() - before:.1f}")
