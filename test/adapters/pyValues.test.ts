// Python's ==, < and repr() over JS values. The repr strings and the sort orders were checked
// against CPython 3.11.7 (repr() of the equivalent Python values; a JS array stands for a list, or
// for a tuple inside a dict key, which CPython prints with parentheses).
import { expect } from 'chai';
import { RuntimeError, TypeError } from '../../lib/errors.js';
import { Token } from '../../lib/protocol.js';
import { ServerRef, type RefHolder } from '../../lib/server/serverRef.js';
import { Namespace, pyCompare, pyEquals, pyRepr, pyTypeName } from '../../lib/server/adapters/index.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('pyRepr (checked against CPython 3.11.7)', () => {
  const cases: [unknown, string][] = [
    [null, 'None'],
    [undefined, 'None'],
    [true, 'True'],
    [false, 'False'],
    [0, '0'],
    [-5, '-5'],
    [2 ** 70, '1180591620717411303424'],
    [2n ** 70n, '1180591620717411303424'],
    [1.5, '1.5'],
    [-0.25, '-0.25'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [0.0001, '0.0001'],
    [123456789.123, '123456789.123'],
    [1e-300, '1e-300'],
    [2.5e15 + 0.5, '2500000000000000.5'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    ['a', "'a'"],
    ["it's", "\"it's\""],
    ['say "hi"', "'say \"hi\"'"],
    ['both \' and "', "'both \\' and \"'"],
    ['tab\there\nnl\r\\', "'tab\\there\\nnl\\r\\\\'"],
    ['\x00\x7f\x80\xa0\u2028\ud800\ud83d\ude00\u00e9', "'\\x00\\x7f\\x80\\xa0\\u2028\\ud800\ud83d\ude00\u00e9'"],
    ['', "''"],
    [' ', "' '"],
    [bytes(0x61, 0x27, 0x00, 0xff, 0x22), "b'a\\'\\x00\\xff\"'"],
    [bytes(), "b''"],
    [bytes(9, 10, 92), "b'\\t\\n\\\\'"],
    [[1, [2, 'x']], "[1, [2, 'x']]"],
    [[], '[]'],
    [{ a: 1, b: [null] }, "{'a': 1, 'b': [None]}"],
    [{}, '{}'],
    [new Set(), 'set()'],
    [new Set([1]), '{1}'],
    [new Map<unknown, unknown>([[1, 'a'], [[1, 2], [null, true]]]), "{1: 'a', [1, 2]: [None, True]}"],
  ];
  for (const [value, expected] of cases) {
    it(`${expected}`, () => expect(pyRepr(value)).to.equal(expected));
  }

  it('prints cycles as [...] and {...}, as CPython', () => {
    const list: unknown[] = [1];
    list.push(list);
    const dict: Record<string, unknown> = {};
    dict.self = dict;
    expect(pyRepr(list)).to.equal('[1, [...]]');
    expect(pyRepr(dict)).to.equal("{'self': {...}}");
    expect(pyRepr([list, list])).to.equal('[[1, [...]], [1, [...]]]');
  });

  it('uses an object\'s own __repr__, and names other objects by class', () => {
    expect(pyRepr(new Namespace({ b: 2, a: 'x' }))).to.equal("Namespace(a='x', b=2)");
    class Widget {}
    expect(pyRepr(new Widget())).to.equal('<Widget object>');
    expect(pyRepr(new KeyErrorLike('boom'))).to.equal("KeyErrorLike('boom')");
  });
});

class KeyErrorLike extends Error {
  override name = 'KeyErrorLike';
}

describe('pyEquals', () => {
  const holder: RefHolder = { resolve: () => undefined, unref: () => undefined };
  const ref = (id: string): ServerRef => new ServerRef(new Token('list', undefined, id), holder);

  const equal: [unknown, unknown][] = [
    [1, 1.0],
    [1, 1n],
    [2n ** 64n, 2 ** 64],
    [null, undefined],
    ['a', 'a'],
    [[1, [2, 'x']], [1n, [2, 'x']]],
    [new Map([['a', 1]]), { a: 1 }],
    [new Map<unknown, unknown>([[[1, 2], 'x'], ['b', 2]]), new Map<unknown, unknown>([['b', 2], [[1n, 2], 'x']])],
    [new Set([1, [2]]), new Set([[2], 1])],
    [bytes(1, 2), bytes(1, 2)],
    [new Date(5), new Date(5)],
    [ref('7'), ref('7')],
  ];
  const different: [unknown, unknown][] = [
    [NaN, NaN],
    [true, 1],
    [false, 0],
    ['1', 1],
    [0.5, 0n],
    [[1, 2], [1, 2, 3]],
    [[1], 1],
    [{ a: 1 }, { a: 2 }],
    [{ a: 1 }, { a: 1, b: 1 }],
    [new Map([[1, 'a']]), { 1: 'a' }],
    [bytes(1, 2), bytes(1, 3)],
    [bytes(1), [1]],
    [ref('7'), ref('8')],
    [{}, []],
    [new (class A {})(), new (class A {})()],
  ];
  for (const [a, b] of equal) it(`${pyRepr(a)} == ${pyRepr(b)}`, () => expect(pyEquals(a, b)).to.equal(true));
  for (const [a, b] of different) it(`${pyRepr(a)} != ${pyRepr(b)}`, () => expect(pyEquals(a, b)).to.equal(false));

  it('is identity first for objects (a self-containing list equals itself)', () => {
    const list: unknown[] = [];
    list.push(list);
    expect(pyEquals(list, list)).to.equal(true);
  });

  it('raises RuntimeError (Python: RecursionError) on endlessly nested distinct structures', () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    a.push(b);
    b.push(a);
    const c: unknown[] = [];
    const d: unknown[] = [];
    c.push(d);
    d.push(c);
    expect(() => pyEquals(a, c)).to.throw(RuntimeError, 'maximum recursion depth exceeded in comparison');
  });
});

describe('pyCompare (orders checked against CPython 3.11.7 sorted())', () => {
  const sortedBy = (items: unknown[]): unknown[] => items.slice().sort(pyCompare);

  it('numbers, bigints and booleans numerically', () => {
    expect(sortedBy([3, 1.5, true, 2n ** 60n, -1, false])).to.deep.equal([-1, false, true, 1.5, 3, 2n ** 60n]);
    expect(pyCompare(2 ** 53 + 2, 2n ** 53n + 1n)).to.equal(1);
    expect(pyCompare(NaN, 1)).to.equal(0);
  });

  it('strings by code point (not UTF-16 unit)', () => {
    // CPython: sorted(['b','a','B','é','ä','😀','\uffff']) == ['B','a','b','ä','é','\uffff','😀']
    expect(sortedBy(['b', 'a', 'B', 'é', 'ä', '\u{1F600}', '\uffff'])).to.deep.equal([
      'B', 'a', 'b', 'ä', 'é', '\uffff', '\u{1F600}',
    ]);
    expect(['\u{1F600}', '\uffff'].sort()).to.deep.equal(['\u{1F600}', '\uffff']); // JS's own order differs
    expect(pyCompare('a\u{1F600}', 'a\ud800')).to.equal(1);
  });

  it('arrays lexicographically, bytes bytewise, Dates by time', () => {
    expect(sortedBy([[1, 2], [1], [0, 5], [1, 1], []])).to.deep.equal([[], [0, 5], [1], [1, 1], [1, 2]]);
    expect(sortedBy([bytes(98), bytes(97), bytes(97, 98)])).to.deep.equal([bytes(97), bytes(97, 98), bytes(98)]);
    expect(pyCompare(new Date(1), new Date(2))).to.equal(-1);
  });

  it('mixed or unordered types: TypeError with Python type names', () => {
    const cases: [unknown, unknown, string][] = [
      ['a', 1, "'str' and 'int'"],
      [1.5, 'a', "'float' and 'str'"],
      [null, null, "'NoneType' and 'NoneType'"],
      [{}, [1], "'dict' and 'list'"],
      [new Map(), new Map(), "'dict' and 'dict'"],
      [bytes(1), 'a', "'bytes' and 'str'"],
      [[1, 'a'], [1, 2], "'str' and 'int'"],
      [true, 'x', "'bool' and 'str'"],
    ];
    for (const [a, b, types] of cases) {
      expect(() => pyCompare(a, b)).to.throw(TypeError, `'<' not supported between instances of ${types}`);
    }
  });
});

describe('pyTypeName', () => {
  it('names JS values by their Python type', () => {
    const cases: [unknown, string][] = [
      [1, 'int'], [1.5, 'float'], [NaN, 'float'], [1n, 'int'], ['s', 'str'], [true, 'bool'], [null, 'NoneType'],
      [undefined, 'NoneType'], [[], 'list'], [{}, 'dict'], [Object.create(null), 'dict'], [new Map(), 'dict'],
      [new Set(), 'set'], [bytes(), 'bytes'], [Buffer.from('x'), 'bytes'], [(function* () {})(), 'generator'],
      [(async function* () {})(), 'async_generator'], [new Namespace(), 'Namespace'],
    ];
    for (const [value, name] of cases) expect(pyTypeName(value), name).to.equal(name);
  });
});
