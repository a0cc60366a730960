// The fast paths for flat messages (lib/codec/flatDecode.ts, flatEncode.ts) build exactly what the
// msgpack Decoder and Encoder build, and leave everything else to them.
import { expect } from 'chai';
import { Decoder, Encoder, encode } from '@msgpack/msgpack';
import { NOT_FLAT, decodeFlat } from '../../lib/codec/flatDecode.js';
import { Codec, DEFAULT_CODEC_OPTIONS, type CodecOptions } from '../../lib/codec/codec.js';
import { scanMessage } from '../../lib/codec/scan.js';
import { FlatEncoder } from '../../lib/codec/flatEncode.js';
import { LimitError, ValueError } from '../../lib/errors.js';
import { concat, raw, rawExt, seededRandom } from './helpers.js';

const reference = new Decoder();

/** Compares two decoded values exactly: -0 and NaN included, arrays element by element. */
function expectSame(actual: unknown, expected: unknown, path = 'message'): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).to.equal(true);
    const array = actual as unknown[];
    expect(array.length, `${path}.length`).to.equal(expected.length);
    expected.forEach((item, i) => expectSame(array[i], item, `${path}[${i}]`));
  } else {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} vs ${String(expected)}`).to.equal(true);
  }
}

describe('the flat message fast path', () => {
  it('decodes every integer width, floats, booleans, nil and strings as the msgpack Decoder does', () => {
    const numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, -1, -32, -33, -128, -129,
      -32768, -32769, -(2 ** 31), 1.5, -0.25, -0, NaN, Infinity, -Infinity, 1e300, Number.EPSILON];
    const strings = ['', 'a', 'get', '__setitem__', 'x'.repeat(12), 'y'.repeat(13), 'z'.repeat(31), 'w'.repeat(32), 'v'.repeat(255),
      'u'.repeat(256), 't'.repeat(200), 's'.repeat(201), 'r'.repeat(70_000)];
    for (const value of [...numbers, ...strings, true, false, null]) {
      const message = [1, 7, 0, value];
      const bytes = encode(message);
      const flat = decodeFlat(bytes, DEFAULT_CODEC_OPTIONS);
      expect(flat, String(value).slice(0, 20)).to.not.equal(NOT_FLAT);
      expectSame(flat, reference.decode(bytes));
    }
  });

  it('matches the msgpack Decoder on random flat messages', () => {
    const random = seededRandom(16);
    const leaf = (): unknown => randomLeaf(random);
    for (let i = 0; i < 2000; i++) {
      const message = [0, i, leaf(), leaf(), Array.from({ length: Math.floor(random() * 4) }, leaf), leaf()];
      const bytes = encode(message);
      const flat = decodeFlat(bytes, DEFAULT_CODEC_OPTIONS);
      expect(flat).to.not.equal(NOT_FLAT);
      expectSame(flat, reference.decode(bytes));
    }
  });

  it('never accepts what the scan refuses: mutated messages under random limits', () => {
    const random = seededRandom(99);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const message = [0, i, 'ab', 'get', [[], ['x'.repeat(Math.floor(random() * 40))], [[1, [2, []]]]], random() < 0.5 ? null : -5000];
      const bytes = Uint8Array.from(encode(message));
      const mutations = Math.floor(random() * 3);
      for (let m = 0; m < mutations; m++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      // Each limit is tight (near what the message needs) one time in four.
      const tight = (generous: number, near: number): number => (random() < 0.75 ? generous : Math.floor(random() * near));
      const options: CodecOptions = {
        maxStrLength: tight(100, 45),
        maxArrayLength: tight(100, 8),
        maxDepth: tight(100, 8),
        maxObjects: tight(100, 10),
        bytesPerObject: tight(0, 3),
      };
      const limits = { ...DEFAULT_CODEC_OPTIONS, ...options };
      const flat = decodeFlat(cut, limits);
      let scanned = true;
      try {
        scanMessage(cut, limits);
      } catch {
        scanned = false;
      }
      if (flat === NOT_FLAT) {
        refused++;
        continue;
      }
      accepted++;
      expect(scanned, `accepted what the scan refuses: ${[...cut].join(',')}`).to.equal(true);
      expectSame(flat, reference.decode(cut));
    }
    expect(accepted).to.be.above(100);
    expect(refused).to.be.above(100);
  });

  it('decodes long arrays (array 16) and nesting up to its depth limit', () => {
    const long = Array.from({ length: 70 }, (_, i) => i * 3);
    expectSame(decodeFlat(encode([1, 2, 0, long]), DEFAULT_CODEC_OPTIONS), [1, 2, 0, long]);
    let nested: unknown = 1;
    for (let i = 0; i < 15; i++) nested = [nested];
    expectSame(decodeFlat(encode(nested), DEFAULT_CODEC_OPTIONS), nested);
  });

  it('leaves everything else to the msgpack Decoder', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = [deep];
    const others: Uint8Array[] = [
      encode([1, 2, 0, { a: 1 }]), // map
      encode([1, 2, 0, new Uint8Array(3)]), // bin
      encode([1, 2, 0, 2 ** 40]), // 64-bit integer
      encode([1, 2, 0, -(2 ** 40)]),
      encode([1, 2, 0, 'héllo']), // a short string with non-ASCII bytes
      encode([0, 1, 'oid', 'méthode', [], null]), // ... in a remembered position
      encode(deep), // deeper than the fast path's recursion
      raw([1, 2, 0, rawExt(3, [[1, 2]])]), // an extension
      new Encoder({ forceFloat32: true }).encode([1, 2, 0, 1.5]), // float 32
      concat([0x91, 0xdd, 0, 0, 0, 1, 1]), // array 32
      // Input the scan refuses never reaches it, but it does not make up values from it either.
      concat([0x92, 0x01]), // truncated
      concat([0x91, 0xcd, 0x01]),
      concat([0x91, 0xcb, 0, 0]),
      concat([0x91, 0xa3, 0x61]),
      concat([0x91, 0x01, 0x02]), // trailing bytes
    ];
    for (const bytes of others) expect(decodeFlat(bytes, DEFAULT_CODEC_OPTIONS)).to.equal(NOT_FLAT);
  });

  it("remembers a request's object id and method name by their bytes, never handing back another string", () => {
    const names = ['get', 'pop', 'get', 'set', 'get', '__setitem__', '__getitem__', '__setitem__', 'a'.repeat(31), 'b'.repeat(31), 'a'.repeat(31), 'c'.repeat(32), 'get'];
    const ids = ['1f', '2e', '1f', '1f', '3d', '3d', '1f', 'ab', 'ab', 'ba', 'ab', 'ab', 'ab'];
    names.forEach((method, i) => {
      const message = [0, i + 1, ids[i], method, ['k', 1], null];
      expectSame(decodeFlat(encode(message), DEFAULT_CODEC_OPTIONS), message);
      const control = [0, i + 1, null, method, [], null]; // a control call: nil where the object id goes
      expectSame(decodeFlat(encode(control), DEFAULT_CODEC_OPTIONS), control);
    });
    // A remembered string is handed out again only within the limits: one over maxStrLength is refused.
    expect(decodeFlat(encode([0, 1, 'ab', 'get', [], null]), { ...DEFAULT_CODEC_OPTIONS, maxStrLength: 2 })).to.equal(NOT_FLAT);
  });

  it('is what Codec.decode uses for flat messages, and the Decoder for the rest, with the same results', () => {
    const codec = new Codec();
    const messages = [[0, 1, '1', 'get', ['k', null], null], [1, 1, 0, 'x'.repeat(300)], [1, 2, 0, new Map([[1, 'a']])], [1, 3, 0, { a: [1, 'é'] }]];
    for (const message of messages) expect(codec.decode(codec.encode(message))).to.deep.equal(message);
  });
});

describe('the flat message fast path, encoding', () => {
  const plain = new Encoder();

  it('writes exactly the bytes the msgpack Encoder writes, for every integer width, floats, strings and nesting', () => {
    const values = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31),
      1.5, -0.25, NaN, Infinity, -Infinity, 1e300, '', 'a', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(200), true, false, null,
      [], [1, [2, [3]]], Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 300 }, (_, i) => `k${i}`)];
    for (const value of values) {
      const message = [1, 7, 0, value];
      const flat = new FlatEncoder(100, Infinity).encode(message);
      expect(flat, String(value).slice(0, 20)).to.not.equal(undefined);
      expect([...flat!]).to.deep.equal([...plain.encode(message)]);
    }
  });

  it('matches the msgpack Encoder on random flat messages, and the Codec decodes them back', () => {
    const random = seededRandom(61);
    const codec = new Codec();
    const leaf = (): unknown => randomLeaf(random);
    const encoder = new FlatEncoder(100, Infinity);
    for (let i = 0; i < 2000; i++) {
      const message = [0, i, leaf(), leaf(), Array.from({ length: Math.floor(random() * 4) }, leaf), leaf()];
      const flat = encoder.encode(message);
      expect(flat).to.not.equal(undefined);
      expect([...flat!]).to.deep.equal([...plain.encode(message)]);
      expect(codec.decode(codec.encode(message))).to.deep.equal(message);
    }
  });

  it('writes -0 as a float64 and undefined (and holes) as nil, as the Codec always did', () => {
    const bytes = new FlatEncoder(100, Infinity).encode([-0, undefined])!;
    expect([...bytes]).to.deep.equal([0x92, 0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xc0]);
    // eslint-disable-next-line no-sparse-arrays
    expect([...new FlatEncoder(100, Infinity).encode([1, , 3])!]).to.deep.equal([0x93, 1, 0xc0, 3]);
  });

  it('leaves everything else to the msgpack Encoder', () => {
    class Row extends Array<number> {}
    const others: unknown[] = ['not an array', { a: 1 }, [new Map()], [new Set([1])], [new Uint8Array(2)], [2 ** 32], [-(2 ** 31) - 1],
      [10n], ['é'], ['x'.repeat(201)], [new Date(0)], [new Error('e')], [() => 1], [Symbol('s')], Row.from([1, 2]), [Row.from([1])],
      [Array.from({ length: 0x10000 }, () => 0)], ['x'.repeat(200), 'y'.repeat(200)].concat(Array.from({ length: 40 }, () => 'z'.repeat(200)))];
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = [deep];
    others.push(deep);
    for (const value of others) expect(new FlatEncoder(100, Infinity).encode(value)).to.equal(undefined);
  });

  it("keeps the Codec's maxDepth and maxMessageSize errors", () => {
    expect(() => new Codec(undefined, { maxDepth: 1 }).encode([1, [2]])).to.throw(ValueError);
    expect(new Codec(undefined, { maxDepth: 2 }).decode(new Codec(undefined, { maxDepth: 2 }).encode([1, [2]]))).to.deep.equal([1, [2]]);
    expect(() => new Codec(undefined, { maxMessageSize: 10 }).encodeShared([1, 'x'.repeat(20)])).to.throw(LimitError);
    expect(() => new Codec(undefined, { maxMessageSize: 10 }).encodeForSend([1, 'x'.repeat(20)])).to.throw(LimitError);
  });

  it('hands back a view that the next encode reuses (encodeShared), and a copy from encode()', () => {
    const codec = new Codec();
    const first = codec.encode([1, 'a']);
    const shared = codec.encodeShared([1, 'b']);
    codec.encodeShared([2, 'c']);
    expect([...first]).to.deep.equal([...plain.encode([1, 'a'])]);
    expect([...shared]).to.deep.equal([...plain.encode([2, 'c'])]); // reused: valid until the next encode only
    // Once the buffer has grown (a larger message), short messages are views of the new one.
    const large = ['x'.repeat(200), 'y'.repeat(200), 'z'.repeat(200)];
    expect([...codec.encodeShared(large)]).to.deep.equal([...plain.encode(large)]);
    expect([...codec.encodeShared([1, 'b'])]).to.deep.equal([...plain.encode([1, 'b'])]);
  });
});

/** A random element of a flat message: an integer of up to 32 bits, a float, an ASCII string, a boolean, nil or a short array. */
function randomLeaf(random: () => number): unknown {
  switch (Math.floor(random() * 6)) {
    case 0:
      return Math.floor((random() - 0.5) * 2 ** (1 + Math.floor(random() * 32)));
    case 1:
      return (random() - 0.5) * 1e6;
    case 2:
      return Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    default:
      return Array.from({ length: Math.floor(random() * 5) }, () => Math.floor(random() * 1000));
  }
}
