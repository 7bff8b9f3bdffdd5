// interp.call(): how a dotted name is resolved, and how arguments map.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PyObject, python } from 'static-py';

const py = python.main;

describe('call()', () => {
  it('calls module functions by dotted name', () => {
    assert.equal(py.call('math.hypot', 3, 4), 5);
    assert.equal(py.call('os.path.join', 'a', 'b'), 'a/b');
  });

  it('finds builtins and functions defined in __main__', () => {
    assert.equal(py.call('len', [1, 2, 3]), 3);
    assert.equal(py.call('str.upper', 'abc'), 'ABC');
    py.exec('def twice(x):\n    return 2 * x\nclass Greeter:\n    @staticmethod\n    def hello(who):\n        return "hello " + who');
    assert.equal(py.call('twice', 21), 42);
    assert.equal(py.call('Greeter.hello', 'you'), 'hello you');
  });

  it('imports a submodule that nobody imported yet', () => {
    assert.ok(py.call('xml.dom.minidom.parseString', '<a/>') instanceof PyObject);
    assert.equal(py.call('email.utils.quote', 'a"b'), 'a\\"b');
  });

  it('reports a missing attribute of a module as AttributeError', () => {
    assert.throws(() => py.call('math.nope'), { pythonType: 'AttributeError', pythonMessage: "module 'math' has no attribute 'nope'" });
    assert.throws(() => py.call('json.nope'), { pythonType: 'AttributeError', pythonMessage: "module 'json' has no attribute 'nope'" });
    assert.throws(() => py.call('undefined_function'), { pythonType: 'NameError', pythonMessage: "name 'undefined_function' is not defined" });
  });

  it('takes keyword arguments from a last argument { kwargs }', () => {
    assert.equal(py.call('json.dumps', { b: 1, a: 2 }, { kwargs: { sort_keys: true } }), '{"a": 2, "b": 1}');
    assert.equal(py.call('int', 'ff', { kwargs: { base: 16 } }), 255);
  });

  it('passes a dict shaped like { kwargs } positionally when it is a Map', () => {
    const dict = new Map([['kwargs', new Map([['x', 1]])]]);
    assert.equal(py.call('repr', dict), "{'kwargs': {'x': 1}}");
    assert.equal(py.call('repr', { kwargs: { x: 1 }, other: 2 }), "{'kwargs': {'x': 1}, 'other': 2}");
  });

  it('raises what the function raises, with its traceback', () => {
    assert.throws(() => py.call('int', 'x'), { pythonType: 'ValueError', pythonMessage: "invalid literal for int() with base 10: 'x'" });
  });

  // Its cache of names holds 4,096 and is then emptied; the JS thread and
  // the executor share it, and each lets go of the GIL in the middle of a
  // resolution (here in __getattr__), when the other may empty it.
  it('resolves more than 4,096 distinct names from two threads at once', async () => {
    const interp = python.createInterpreter();
    try {
      interp.exec('import time\nclass Names:\n    def __getattr__(self, name):\n        time.sleep(0.0001)\n        return len\nnames = Names()');
      const count = 2500;
      const elsewhere = Array.from({ length: count }, (_, i) => interp.callAsync(`names.b${i}`, 'ab'));
      for (let i = 0; i < count; i++) assert.equal(interp.call(`names.a${i}`, 'abc'), 3);
      assert.deepEqual(new Set(await Promise.all(elsewhere)), new Set([2]));
    } finally {
      interp.close();
    }
  });
});

describe('Buffer arguments', () => {
  py.exec('def first_bytes(*args, **kwargs):\n    return bytes(args[0][:4])');
  // A getter runs while later arguments convert; one that moves the
  // buffer away (transfer) and reuses its memory must not change, or free,
  // what Python was given.
  const transferredBy = (data: Uint8Array) => ({
    get later() {
      const buffer = data.buffer as ArrayBuffer;
      const moved = structuredClone(buffer, { transfer: [buffer] });
      new Uint8Array(moved).fill(9);
      return 1;
    },
  });

  it('gives Python the bytes a Buffer held when it was passed, whatever a later argument\'s getter does to it', () => {
    const data = new Uint8Array(1 << 16).fill(7);
    assert.deepEqual([...(py.call('first_bytes', data, transferredBy(data)) as Buffer)], [7, 7, 7, 7]);
    assert.equal(data.byteLength, 0, 'the getter did move the buffer away');
  });

  it('does the same when the getter runs in the keyword arguments, which convert last', () => {
    const data = new Uint8Array(1 << 16).fill(7);
    assert.deepEqual([...(py.call('first_bytes', data, { kwargs: transferredBy(data) }) as Buffer)], [7, 7, 7, 7]);
    assert.equal(data.byteLength, 0);
  });

  it('passes a Buffer followed only by values that run no JS, and inside a container, as the same bytes', () => {
    const data = Buffer.alloc(1 << 16, 5);
    assert.deepEqual([...(py.call('first_bytes', data, 1, 'x', null, Buffer.from('y')) as Buffer)], [5, 5, 5, 5]);
    assert.equal(py.call('len', [data, { a: data }]), 2);
  });
});

describe('import()', () => {
  it('describes a source module, a package, and a built-in', () => {
    const json = py.import('json');
    assert.equal(json.name, 'json');
    assert.equal(json.__name__, 'json');
    assert.equal(json.loader, 'source');
    assert.equal(json.isPackage, true);
    assert.match(json.file!, /json\/__init__\.py$/);
    const itertools = py.import('itertools');
    assert.deepEqual({ loader: itertools.loader, file: itertools.file, origin: itertools.origin }, {
      loader: 'builtin', file: null, origin: 'built-in',
    });
    assert.equal(py.import('json.decoder').__name__, 'json.decoder');
  });

  it('imports stdlib extension modules against the same libpython', () => {
    for (const name of ['math', '_json', '_decimal', '_ssl', '_ctypes', 'sqlite3', '_sqlite3']) {
      const info = py.import(name);
      assert.ok(['extension', 'builtin', 'source'].includes(info.loader), `${name}: ${info.loader}`);
    }
    assert.ok(py.call('decimal.Decimal', '1.10') instanceof PyObject);
    assert.equal(py.eval('__import__("sqlite3").connect(":memory:").execute("select 41 + 1").fetchone()[0]'), 42);
    assert.equal(py.eval('__import__("ctypes").c_int(7).value'), 7);
    assert.match(py.eval('__import__("ssl").OPENSSL_VERSION') as string, /SSL/);
  });
});
