// Values crossing between JS and Python, both ways.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { PyObject, PythonError, python } from 'static-py';

const py = python.main;
// Python's repr of a JS value after the trip in.
const reprOf = (value: unknown): string => py.call('repr', value) as string;

describe('Python to JS', () => {
  it('converts None, bools, floats and strings to their JS equivalents', () => {
    assert.equal(py.eval('None'), null);
    assert.equal(py.eval('True'), true);
    assert.equal(py.eval('False'), false);
    assert.equal(py.eval('1.5'), 1.5);
    assert.ok(Number.isNaN(py.eval('float("nan")')));
    assert.equal(py.eval('float("-inf")'), -Infinity);
    assert.equal(py.eval('"héllo wörld 😀"'), 'héllo wörld 😀');
    assert.equal(py.eval('"a\\x00b"'), 'a\0b');
  });

  it('gives ints as numbers when they are safe integers and as bigints otherwise', () => {
    assert.equal(py.eval('2**53 - 1'), Number.MAX_SAFE_INTEGER);
    assert.equal(py.eval('-(2**53 - 1)'), -Number.MAX_SAFE_INTEGER);
    assert.equal(py.eval('2**53'), 2n ** 53n);
    assert.equal(py.eval('-(2**64) - 1'), -(2n ** 64n) - 1n);
    assert.equal(py.eval('10**5000'), 10n ** 5000n);
    assert.equal(py.eval('True + 0'), 1);
  });

  it('gives bytes and bytearray as Buffers, and lists and tuples as arrays', () => {
    assert.deepEqual(py.eval('b"\\x00\\xffab"'), Buffer.from([0, 255, 97, 98]));
    assert.deepEqual(py.eval('bytearray(b"xy")'), Buffer.from('xy'));
    assert.deepEqual(py.eval('[1, (2, [3.5, "x"]), ()]'), [1, [2, [3.5, 'x']], []]);
  });

  it('gives dicts with str keys as plain objects and other dicts as Maps', () => {
    assert.deepEqual(py.eval('{"a": 1, "b": {"c": None}}'), { a: 1, b: { c: null } });
    const map = py.eval('{1: "one", (2, 3): "pair", "s": 4}') as Map<unknown, unknown>;
    assert.ok(map instanceof Map);
    assert.deepEqual([...map], [[1, 'one'], [[2, 3], 'pair'], ['s', 4]]);
  });

  it('keeps subclasses of list, tuple and dict as handles, and converts int and str subclasses by value', () => {
    assert.ok(py.eval('__import__("collections").Counter("aab")') instanceof PyObject);
    assert.ok(py.eval('__import__("collections").namedtuple("P", "x y")(1, 2)') instanceof PyObject);
    assert.equal(py.eval('__import__("enum").IntEnum("E", "A B").B'), 2);
    assert.equal(py.eval('type("S", (str,), {})("text")'), 'text');
  });

  it('keeps a "__proto__" key as an own property instead of changing the prototype', () => {
    const obj = py.eval('{"__proto__": 1, "x": 2}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, 1);
  });

  it('gives everything else as a PyObject with repr, str, typeName, getattr, call and release', () => {
    const set = py.eval('{1, 2, 3}') as PyObject;
    assert.ok(set instanceof PyObject);
    assert.equal(set.repr(), '{1, 2, 3}');
    assert.equal(set.typeName, 'set');
    assert.equal(String(set), '{1, 2, 3}');
    assert.equal((set.getattr('__len__') as PyObject).call(), 3);
    assert.equal(inspect(set), 'PyObject {1, 2, 3}');
    const od = py.eval('__import__("collections").OrderedDict') as PyObject;
    assert.equal(od.typeName, 'type');
    const sorted = py.eval('sorted') as PyObject;
    assert.deepEqual(sorted.call([3, 1, 2], { kwargs: { reverse: true } }), [3, 2, 1]);
    set.release();
    assert.equal(set.released, true);
    set.release(); // twice is fine
    assert.throws(() => set.repr(), /this PyObject was released/);
  });

  it('runs __del__ when release() drops the last reference', () => {
    py.exec('class Tracked:\n    def __del__(self):\n        global tracked_deleted\n        tracked_deleted = True\ntracked_deleted = False');
    const obj = py.eval('Tracked()') as PyObject;
    assert.equal(py.eval('tracked_deleted'), false);
    obj.release();
    assert.equal(py.eval('tracked_deleted'), true);
  });

  it('passes a PyObject back into Python as the same object', () => {
    py.exec('class Box: pass\nthe_box = Box()');
    const box = py.eval('the_box') as PyObject;
    assert.equal(py.call('operator.is_', box, py.eval('the_box')), true);
    assert.equal(py.call('isinstance', box, py.eval('Box')), true);
  });

  it('iterates a PyObject as Python does, items converted, and releases the iterator however the loop ends', () => {
    assert.deepEqual([...(py.eval('{3, 1, 2}') as PyObject)].sort(), [1, 2, 3]);
    assert.deepEqual([...(py.eval('(x * x for x in range(4))') as PyObject)], [0, 1, 4, 9]);
    assert.deepEqual([...(py.eval('iter([None, (1, 2), {"a": 1}])') as PyObject)], [null, [1, 2], { a: 1 }]);
    // The old sequence protocol (__getitem__ until IndexError) counts, as for Python's iter().
    py.exec('class Seq:\n  def __getitem__(self, i):\n    if i > 2: raise IndexError(i)\n    return i * 10\n');
    assert.deepEqual([...(py.eval('Seq()') as PyObject)], [0, 10, 20]);
    // Leaving the loop early drops the iterator's last reference: the
    // generator Box.__iter__ made is finalized, so its finally runs.
    py.exec('closed = []\nclass Box:\n  def __iter__(self):\n    try:\n      yield from range(10)\n    finally:\n      closed.append(True)\n');
    for (const x of py.eval('Box()') as PyObject) if (x === 1) break;
    assert.deepEqual(py.eval('closed'), [true]);
    assert.throws(() => [...(py.eval('object()') as PyObject)], { name: 'PythonError', pythonType: 'TypeError', pythonMessage: "'object' object is not iterable" });
  });

  it('keeps a self-containing list as a handle at the point where it repeats', () => {
    const list = py.eval('(lambda l: (l.append(l), l)[1])([1])') as unknown[];
    assert.equal(list[0], 1);
    assert.ok(list[1] instanceof PyObject);
    assert.equal((list[1] as PyObject).repr(), '[1, [...]]');
  });
});

describe('JS to Python', () => {
  it('converts null and undefined to None, and keeps bools, numbers and strings', () => {
    assert.equal(reprOf(null), 'None');
    assert.equal(reprOf(undefined), 'None');
    assert.equal(reprOf(true), 'True');
    assert.equal(reprOf(3), '3');
    assert.equal(reprOf(3.25), '3.25');
    assert.equal(reprOf(-0), '-0.0');
    assert.equal(reprOf(NaN), 'nan');
    assert.equal(reprOf(2 ** 60), '1.152921504606847e+18');
    assert.equal(reprOf('😀 ü'), "'😀 ü'");
  });

  it('converts bigints of any size to ints', () => {
    assert.equal(reprOf(2n ** 200n), String(2n ** 200n));
    assert.equal(reprOf(-(2n ** 64n)), String(-(2n ** 64n)));
    assert.equal(reprOf(0n), '0');
    assert.equal(py.call('operator.add', 2n ** 100n, 1), 2n ** 100n + 1n);
  });

  it('keeps lone surrogates in strings both ways', () => {
    assert.equal(reprOf('a\ud800b'), "'a\\ud800b'");
    assert.equal(py.call('str.upper', 'x\udc00'), 'X\udc00');
    assert.equal(py.call('len', '😀'), 1);
  });

  it('converts Buffers, typed arrays and ArrayBuffers to bytes', () => {
    assert.equal(reprOf(Buffer.from('hi')), "b'hi'");
    assert.equal(reprOf(new Uint8Array([1, 2])), "b'\\x01\\x02'");
    assert.equal(reprOf(new Uint16Array([0x4142]).buffer), "b'BA'");
    assert.equal(reprOf(new Uint8Array([9, 8, 7]).subarray(1)), "b'\\x08\\x07'");
    const big = Buffer.alloc(1 << 20, 7);
    assert.deepEqual(py.call('bytes', big), big);
  });

  it('converts arrays to lists, plain objects to dicts, and Maps to dicts with any keys', () => {
    assert.equal(reprOf([1, 'a', [null]]), "[1, 'a', [None]]");
    assert.equal(reprOf({ a: 1, b: [true] }), "{'a': 1, 'b': [True]}");
    assert.equal(reprOf(Object.assign(Object.create(null), { k: 1 })), "{'k': 1}");
    assert.equal(reprOf(new Map<unknown, unknown>([[1, 'x'], ['y', 2]])), "{1: 'x', 'y': 2}");
  });

  it('gives a JS function as a Python callable (test/15 has the rest)', () => {
    assert.match(reprOf(() => 1), /^<JS function at 0x[0-9a-f]+>$/);
  });

  it('refuses values with no Python equivalent, naming where they are, as argument errors with a code', () => {
    const wrongType = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
    assert.throws(() => reprOf(Symbol('s')), { ...wrongType, message: 'static-py: cannot convert args[0] (a Symbol) to Python' });
    assert.throws(() => reprOf({ a: [1, new Date(0)] }), {
      ...wrongType,
      message: /^static-py: cannot convert args\[0\]\.a\[1\] \(a Date object\) to Python: only null/,
    });
    assert.throws(() => py.call('print', 1, { kwargs: { sep: new Set() } }), /static-py: cannot convert kwargs\.sep \(a Set object\)/);
  });

  it('refuses cyclic structures and absurd nesting with a message, not a crash', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => reprOf(cyclic), {
      name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE',
      message: 'static-py: cannot convert args[0].self to Python: it contains itself (a cyclic structure)',
    });
    let deep: unknown[] = [];
    for (let i = 0; i < 2000; i++) deep = [deep];
    assert.throws(() => reprOf(deep), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /^static-py: cannot convert .* nested deeper than 512 levels/ });
    assert.equal(py.eval('1 + 1'), 2); // still usable
  });

  it('passes a string of 64 MB', () => {
    const huge = 'x'.repeat(64 << 20);
    assert.equal(py.call('len', huge), 64 << 20);
  });
});

describe('round trips', () => {
  it('bring back what went in', () => {
    const value = { n: 1, f: 1.5, s: 'ş', big: 2n ** 70n, list: [1, [2]], buf: Buffer.from('ok'), nil: null, t: true };
    assert.deepEqual(py.call('copy.deepcopy', value), value);
  });

  it('raise PythonError for Python failures during conversion-free calls', () => {
    assert.throws(() => py.call('int', 'nope'), PythonError);
  });
});
