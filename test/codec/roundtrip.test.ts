// Every kind of value the codec carries comes back as the same kind of value, alone and nested.
import { expect } from 'chai';
import { encode } from '@msgpack/msgpack';
import { Codec } from '../../lib/codec/codec.js';
import { Slice } from '../../lib/codec/slice.js';
import { TypeError as PyTypeError } from '../../lib/errors.js';
import { roundTrip } from './helpers.js';

describe('codec round trips', () => {
  const codec = new Codec();

  it('keeps numbers numbers, however large (no bigint for 64-bit integers)', () => {
    const numbers = [0, 1, -1, 127, 128, -33, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 40, -(2 ** 40),
      Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1.5, -0.25, 1e300, Infinity, -Infinity];
    const back = roundTrip(numbers, codec);
    expect(back).to.deep.equal(numbers);
    for (const n of back) expect(n).to.be.a('number');
    expect(roundTrip(NaN, codec)).to.be.NaN;
  });

  it('keeps the sign of -0 (a float on the wire, as Python writes -0.0), alone and nested', () => {
    expect(Object.is(roundTrip(-0, codec), -0)).to.equal(true);
    const [nested] = roundTrip([-0], codec) as number[];
    expect(Object.is(nested, -0)).to.equal(true);
    expect(Object.is(roundTrip(0, codec), 0)).to.equal(true);
    expect(codec.encode(0)).to.deep.equal(Uint8Array.of(0)); // +0 stays the one-byte integer
  });

  it('keeps strings, booleans and null; plain data is ordinary msgpack', () => {
    const value = ['', 'a', 'héllo wörld', '日本語 🎉', 'x'.repeat(70_000), true, false, null];
    expect(roundTrip(value, codec)).to.deep.equal(value);
    const plain = { a: 1, b: ['x', { c: null }] };
    expect(codec.encode(plain)).to.deep.equal(encode(plain));
  });

  it('turns undefined into null, in arrays and in objects (keys are kept)', () => {
    expect(roundTrip(undefined, codec)).to.equal(null);
    expect(roundTrip([1, undefined, 3], codec)).to.deep.equal([1, null, 3]);
    expect(roundTrip({ a: undefined, b: 1 }, codec)).to.deep.equal({ a: null, b: 1 });
    // eslint-disable-next-line no-sparse-arrays
    expect(roundTrip([1, , 3], codec)).to.deep.equal([1, null, 3]);
  });

  it('keeps bigints of any size and sign as bigints', () => {
    const bigints = [0n, 1n, -1n, 127n, 128n, 255n, 256n, -256n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n,
      -(2n ** 64n) - 1n, 2n ** 200n + 12345n, -(3n ** 300n)];
    const back = roundTrip(bigints, codec);
    expect(back).to.deep.equal(bigints);
    for (const b of back) expect(b).to.be.a('bigint');
    expect(roundTrip(5, codec)).to.be.a('number');
  });

  it('keeps Maps, with keys of any type, in insertion order', () => {
    const arrayKey = [1, 'a', [true]];
    const map = new Map<unknown, unknown>([
      ['s', 1], [2, 'two'], [3n, 'big'], [true, 'yes'], [false, 'no'], [null, 'nil'],
      [arrayKey, 'array'], [{ k: 1 }, 'object'], [new Map([[1, 2]]), 'map'],
    ]);
    const back = roundTrip(map, codec);
    expect(back).to.be.instanceOf(Map);
    expect([...back.keys()]).to.deep.equal([...map.keys()]);
    expect([...back.values()]).to.deep.equal([...map.values()]);
    expect(back.get(3n)).to.equal('big');
    expect(back.get(null)).to.equal('nil');
    expect(back.get(2)).to.equal('two');
    expect(roundTrip(new Map(), codec)).to.deep.equal(new Map());
  });

  it('keeps Sets', () => {
    const set = new Set<unknown>([1, 'a', 2n, null, [1, 2], new Set([3])]);
    const back = roundTrip(set, codec);
    expect(back).to.be.instanceOf(Set);
    expect([...back]).to.deep.equal([...set]);
    expect([...back][5]).to.be.instanceOf(Set);
    expect(roundTrip(new Set(), codec)).to.deep.equal(new Set());
  });

  it('keeps Slices', () => {
    for (const slice of [new Slice(), new Slice(1, 5, 2), new Slice(null, -1, null), new Slice(-3)]) {
      const back = roundTrip(slice, codec);
      expect(back).to.be.instanceOf(Slice);
      expect([back.start, back.stop, back.step]).to.deep.equal([slice.start, slice.stop, slice.step]);
    }
  });

  it('keeps Dates (msgpack timestamps, millisecond precision)', () => {
    const dates = [new Date(0), new Date(1234567), new Date(-1234567891), new Date('2100-02-03T04:05:06.789Z'),
      new Date(8.64e15)];
    const back = roundTrip(dates, codec);
    for (let i = 0; i < dates.length; i++) {
      expect(back[i]).to.be.instanceOf(Date);
      expect(back[i].getTime()).to.equal(dates[i].getTime());
    }
  });

  it('sends Uint8Array and Buffer as bin and returns a plain Uint8Array', () => {
    const back = roundTrip([new Uint8Array([1, 2, 3]), Buffer.from('hey'), new Uint8Array(0), new Uint8Array(100_000).fill(7)], codec);
    for (const bytes of back) expect(bytes.constructor).to.equal(Uint8Array);
    expect([...back[0]]).to.deep.equal([1, 2, 3]);
    expect(Buffer.from(back[1]).toString()).to.equal('hey');
    expect(back[2].length).to.equal(0);
    expect(back[3].length).to.equal(100_000);
    expect(back[3][99_999]).to.equal(7);
  });

  it('sends other typed arrays as their bytes: a Uint8Array comes back', () => {
    const floats = new Float64Array([1.5, -2]);
    const back = roundTrip(floats, codec);
    expect(back.constructor).to.equal(Uint8Array);
    expect(new Float64Array(back.buffer, back.byteOffset, 2)).to.deep.equal(floats);
  });

  it('returns decoded bins as copies: the input buffer can be reused', () => {
    const input = Buffer.from(codec.encode({ data: new Uint8Array([9, 9, 9]) }));
    const back = codec.decode(input) as { data: Uint8Array };
    input.fill(0);
    expect([...back.data]).to.deep.equal([9, 9, 9]);
    expect(back.data.buffer.byteLength).to.equal(3);
  });

  it('returns a fresh buffer from encode (a copy, safe to keep)', () => {
    const first = codec.encode([1, 2, 3]);
    const copy = Uint8Array.from(first);
    codec.encode(['something', 'else', 'entirely', 42]);
    expect(first).to.deep.equal(copy);
    expect(codec.encode([1, 2, 3]).buffer).to.not.equal(first.buffer);
  });

  it('sends class instances as maps of their own enumerable properties', () => {
    class Point {
      hidden = 0;
      constructor(
        public x: number,
        public y: number,
      ) {
        Object.defineProperty(this, 'hidden', { enumerable: false });
      }
      norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const back = roundTrip(new Point(3, 4), codec);
    expect(back).to.deep.equal({ x: 3, y: 4 });
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
  });

  it('treats constructor, toString, hasOwnProperty keys as plain data; null-prototype objects too', () => {
    const value = { constructor: 'c', toString: 1, hasOwnProperty: [2], valueOf: { v: true } };
    const back = roundTrip(value, codec);
    expect(back).to.deep.equal(value);
    expect(Object.hasOwn(back, 'constructor')).to.equal(true);
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(roundTrip(bare, codec)).to.deep.equal({ a: 1 });
  });

  it('keeps everything nested inside everything', () => {
    const value = {
      list: [new Map<unknown, unknown>([['k', new Set([1n, new Slice(1)])], [[1, 2], { d: new Date(5) }]])],
      set: new Set([new Map([[2n, [new Uint8Array([4])]]])]),
      deep: [[[{ m: new Map([[null, new Set([[-7n]])]]) }]]],
    };
    const back = roundTrip(value, codec);
    const inner = back.list[0];
    expect(inner).to.be.instanceOf(Map);
    const set = inner.get('k');
    expect(set).to.be.instanceOf(Set);
    const [big, slice] = [...set];
    expect(big).to.equal(1n);
    expect(slice).to.be.instanceOf(Slice);
    expect(slice.start).to.equal(1);
    const [[key, obj]] = [...inner.entries()].slice(1);
    expect(key).to.deep.equal([1, 2]);
    expect(obj.d).to.be.instanceOf(Date);
    const [innerMap] = [...back.set];
    expect([...innerMap.get(2n)[0]]).to.deep.equal([4]);
    expect([...back.deep[0][0][0].m.get(null)]).to.deep.equal([[-7n]]);
  });

  it('refuses what it cannot carry with a TypeError, naming it', () => {
    const bad: [unknown, RegExp][] = [
      [() => 1, /function/],
      [Symbol('s'), /symbol/],
      [Promise.resolve(1), /Promise.*await/],
      [new WeakMap(), /WeakMap/],
      [new ArrayBuffer(4), /ArrayBuffer/],
      [new Date(NaN), /invalid Date/],
      [{ nested: [1, { fn: Math.max }] }, /function/],
    ];
    for (const [value, message] of bad) {
      expect(() => codec.encode(value)).to.throw(PyTypeError, message);
    }
  });
});
