/* The baseline for static-py's subinterpreter numbers (npm run bench):
 * nothing but the C API. Creates and ends subinterpreters in a loop, then
 * holds some idle to see what each costs in memory.
 *   capi_loop CYCLES IDLE isolated|legacy
 * prints {"cycleUs": ..., "rssKb": ...}. */
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rss_kb(void) {
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* A new subinterpreter, current on this thread; main's state is swapped out. */
static PyThreadState *new_interpreter(int isolated) {
#if PY_VERSION_HEX >= 0x030C0000
  PyInterpreterConfig config = {
      .use_main_obmalloc = !isolated,
      .allow_fork = !isolated,
      .allow_exec = !isolated,
      .allow_threads = 1,
      .allow_daemon_threads = !isolated,
      .check_multi_interp_extensions = isolated,
      .gil = isolated ? PyInterpreterConfig_OWN_GIL : PyInterpreterConfig_SHARED_GIL,
  };
  PyThreadState *ts = NULL;
  PyStatus status = Py_NewInterpreterFromConfig(&ts, &config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  return ts;
#else
  (void)isolated;
  return Py_NewInterpreter();
#endif
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s CYCLES IDLE isolated|legacy\n", argv[0]);
    return 2;
  }
  int cycles = atoi(argv[1]), idle = atoi(argv[2]), isolated = strcmp(argv[3], "isolated") == 0;
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  PyThreadState *main_state = PyThreadState_Get();

  PyThreadState_Swap(NULL);
  Py_EndInterpreter(new_interpreter(isolated)); /* warm */
  double t0 = now_us();
  for (int i = 0; i < cycles; i++) Py_EndInterpreter(new_interpreter(isolated));
  double cycle_us = (now_us() - t0) / cycles;

  long before = rss_kb();
  PyThreadState **held = calloc((size_t)idle, sizeof *held);
  for (int i = 0; i < idle; i++) {
    held[i] = new_interpreter(isolated);
    PyThreadState_Swap(NULL);
  }
  double per_idle_kb = (double)(rss_kb() - before) / idle;
  for (int i = 0; i < idle; i++) {
    PyThreadState_Swap(held[i]);
    Py_EndInterpreter(held[i]);
  }
  free(held);
  PyThreadState_Swap(main_state);
  printf("{\"cycleUs\": %.1f, \"rssKb\": %.1f}\n", cycle_us, per_idle_kb);
  return 0;
}
