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
