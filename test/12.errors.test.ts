// Python exceptions become PythonError; bad arguments become TypeError;
// nothing a caller does ends the process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { PythonError, python } from 'static-py';

import { runChild } from './helpers/child.js';

const py = python.main;

describe('PythonError', () => {
  it('carries the Python type, message and traceback', () => {
    assert.throws(() => py.eval('1 / 0'), (e: unknown) => {
      assert.ok(e instanceof PythonError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'PythonError');
      assert.equal(e.pythonType, 'ZeroDivisionError');
      assert.equal(e.pythonMessage, 'division by zero');
      assert.equal(e.message, 'ZeroDivisionError: division by zero');
      assert.match(e.pythonTraceback, /^Traceback \(most recent call last\):\n {2}File "<eval>", line 1, in <module>\n {4}1 \/ 0\n/);
      assert.match(e.pythonTraceback, /ZeroDivisionError: division by zero\n$/);
      return true;
    });
  });

  it('prints the JS stack followed by the Python traceback', () => {
    py.exec('def inner():\n    raise KeyError("missing")\n\ndef outer():\n    inner()');
    try {
      py.call('outer');
      assert.fail('expected a PythonError');
    } catch (e) {
      const stack = (e as Error).stack!;
      assert.match(stack, /^PythonError: KeyError: 'missing'\n {4}at /);
      assert.match(stack, /12\.errors\.test\.js/);
      assert.match(stack, /\n\nPython Traceback \(most recent call last\):\n {2}File "<exec>", line 5, in outer\n {2}File "<exec>", line 2, in inner\nKeyError: 'missing'$/);
    }
  });

  it('shows its Python traceback once when printed with console.log (util.inspect)', () => {
    const error = (() => {
      try {
        return py.eval('{}["missing"]');
      } catch (e) {
        return e;
      }
    })() as PythonError;
    const printed = inspect(error);
    assert.equal(printed.split('Traceback (most recent call last)').length - 1, 1, printed);
    assert.match(printed, /pythonType: 'KeyError'/);
    assert.match(error.pythonTraceback, /^Traceback \(most recent call last\):/);
  });

  it('names exception types outside builtins by module', () => {
    assert.throws(() => py.call('json.loads', '{'), { pythonType: 'json.decoder.JSONDecodeError' });
  });

  it('reports a syntax error from eval and exec as SyntaxError', () => {
    assert.throws(() => py.eval('1 +'), { name: 'PythonError', pythonType: 'SyntaxError' });
    assert.throws(() => py.exec('def f(:\n  pass'), { pythonType: 'SyntaxError' });
  });

  it('reports a missing module from call() as ModuleNotFoundError', () => {
    assert.throws(() => py.call('nope.nothing'), { pythonType: 'ModuleNotFoundError', pythonMessage: "No module named 'nope'" });
  });

  it('survives an exception whose __str__ raises', () => {
    py.exec('class Weird(Exception):\n    def __str__(self):\n        raise RuntimeError("no str")');
    assert.throws(() => py.exec('raise Weird()'), { pythonType: 'Weird', pythonMessage: '<exception str() failed>' });
    assert.equal(py.eval('2 + 2'), 4);
  });

  it('keeps SystemExit and KeyboardInterrupt as exceptions: the process goes on', async () => {
    const r = await runChild(`
      const { python } = require('static-py');
      for (const code of ['raise SystemExit(3)', 'import sys; sys.exit(4)', 'raise KeyboardInterrupt']) {
        try { python.main.exec(code); } catch (e) { console.log(e.pythonType); }
      }
      console.log('still', python.main.eval('"alive"'));`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'SystemExit\nSystemExit\nKeyboardInterrupt\nstill alive\n');
  });
});

describe('no JS while the GIL is held', () => {
  // A PythonError is made after the call has let go of the GIL: a user's
  // Error.prepareStackTrace runs while it is made, and here waits for a
  // worker that needs the main interpreter's GIL. Made with the GIL still
  // held, the two would wait for each other until the timeout.
  it("runs a user's Error.prepareStackTrace with the GIL released", async () => {
    const r = await runChild(`
      const { Worker } = require('node:worker_threads');
      const { python } = require('static-py');
      python.main.eval('1');
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(\`
        const { parentPort, workerData } = require('node:worker_threads');
        const { python } = require('static-py');
        python.main.eval('1');
        parentPort.once('message', () => {
          python.main.eval('2 + 2');
          Atomics.store(workerData, 0, 1);
          Atomics.notify(workerData, 0);
        });
        parentPort.postMessage('ready');\`, { eval: true, workerData: flag });
      worker.once('message', async () => {
        let waited;
        Error.prepareStackTrace = (error) => {
          if (waited === undefined) {
            worker.postMessage('go');
            // 'not-equal': the worker was done before the wait began.
            waited = Atomics.wait(flag, 0, 0, 20000) === 'timed-out' ? 'timed out' : 'the worker ran';
          }
          return String(error);
        };
        try { python.main.eval('1 / 0'); } catch (e) { console.log(JSON.stringify({ type: e.pythonType, waited })); }
        await worker.terminate();
      });`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { type: 'ZeroDivisionError', waited: 'the worker ran' });
  });
});

describe('bad arguments', () => {
  it('are TypeErrors from the TS layer that name the argument', () => {
    assert.throws(() => py.exec(42 as unknown as string), { name: 'TypeError', message: 'static-py: code must be a string, got number 42' });
    assert.throws(() => py.eval(undefined as unknown as string), { name: 'TypeError', message: 'static-py: expr must be a string, got undefined' });
    assert.throws(() => py.call(null as unknown as string), { name: 'TypeError', message: 'static-py: dottedName must be a string, got null' });
    assert.throws(() => py.import(['json'] as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('refuse malformed module names before Python sees them', () => {
    for (const [name, problem] of [
      ['', 'is empty'],
      ['a\0b', 'contains a NUL character'],
      ['.json', 'starts or ends with a dot'],
      ['json.', 'starts or ends with a dot'],
      ['a..b', 'has an empty component'],
    ] as const) {
      assert.throws(() => py.import(name), (e: Error & { code?: string }) => {
        assert.equal(e.name, 'TypeError');
        assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
        assert.ok(e.message.startsWith(`static-py: name ${problem}`), e.message);
        return true;
      });
    }
  });

  it('leave the interpreter usable', () => {
    assert.equal(py.eval('"ok"'), 'ok');
  });
});
