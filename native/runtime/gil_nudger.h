// Getting a shared GIL on CPython 3.9-3.12, whatever the holder runs.
//
// There, a thread that waits for a GIL asks only its own interpreter to let
// go of it, so a holder busy in another interpreter that shares the GIL
// (legacy subinterpreters, and every subinterpreter before 3.12) keeps it
// until its code blocks or returns: a sync call into interpreter B, or the
// close of B as a worker goes away, waits as long as A's loop runs. 3.8 had
// one request for the whole runtime and 3.13 sends it to the holder's
// thread, so there Attach() is PyEval_RestoreThread() and nothing more.
//
// The rules:
//  1. Every static-py thread attaches a thread state with GilNudger::Attach
//     (thread_state_guard.h, rule 7), so the nudger knows it waits.
//  2. The nudger is a thread of its own, started when the first
//     subinterpreter that shares the main GIL is made. While static-py
//     threads wait, it looks at the GIL once per switch interval; when the
//     GIL has not changed hands for a whole interval, it sets the drop
//     request on every interpreter under that GIL (the holder's among them)
//     and then owes one take of the GIL. It never waits for the GIL itself,
//     so it goes on asking for as long as anyone waits.
//  3. A second thread, the taker, pays what is owed: it takes the GIL and
//     hands it straight back, counted as a waiter meanwhile. This makes the
//     request safe. A holder that honours a drop request waits until some
//     other thread has taken the GIL (CPython's FORCE_SWITCHING), and with no
//     such thread it would wait for ever; the taker is that thread even if
//     the waiter the request was for got the GIL some other way and is gone.
//     A request left on an interpreter that does not hold the GIL is cleared
//     by CPython when a thread of that interpreter next takes it.
//  4. Only the main interpreter's GIL is nudged: an own-GIL interpreter's
//     threads all belong to it, and CPython's own request reaches them.
//  5. Process-wide, like the runtime: created once, never destroyed, and
//     found through ProcessState.
#ifndef STATIC_PY_RUNTIME_GIL_NUDGER_H_
#define STATIC_PY_RUNTIME_GIL_NUDGER_H_

#include <Python.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace static_py {

class GilNudger {
 public:
  // PyEval_RestoreThread(tstate), counted as a waiter (rule 1).
  static void Attach(PyThreadState* tstate);
  // Subinterpreter bookkeeping (rule 2): `interp` was just made, or is
  // about to end; only those sharing the main GIL count.
  static void InterpreterCreated(PyInterpreterState* interp);
  static void InterpreterEnding(PyInterpreterState* interp);

 private:
  explicit GilNudger(PyInterpreterState* main);
  // The nudger for interpreters under `interp`'s GIL, or null (rule 4).
  static GilNudger* For(PyInterpreterState* interp);
  void RunNudger();
  void RunTaker(PyThreadState* own);

  PyInterpreterState* const main_;
  const void* const gil_;
  std::atomic<int> waiters_{0};
  std::atomic<bool> parked_{false};
  std::mutex mutex_;
  std::condition_variable wake_;        // the nudger's
  std::condition_variable owed_wake_;   // the taker's
  int shared_ = 0;                      // guarded by mutex_
  int owed_ = 0;                        // guarded by mutex_
};

}  // namespace static_py

#endif  // STATIC_PY_RUNTIME_GIL_NUDGER_H_
