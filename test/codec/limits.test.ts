// Whatever bytes arrive, decode() returns a value or throws ProtocolError: limits, truncation,
// trailing bytes, unknown types, bad extension payloads, and plain random input.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec, DEFAULT_CODEC_OPTIONS } from '../../lib/codec/codec.js';
import { ExtType } from '../../lib/codec/extensions.js';
import { ValueError } from '../../lib/errors.js';
import {
  codecWith,
  concat,
  decodeOrProtocolError,
  expectProtocolError,
  FakeProxy,
  richMessage,
  nestedArrays,
  proxyHooks,
  roundTrip,
  seededRandom,
} from './helpers.js';


describe('codec: limits and malformed input', () => {
  it('documents sane defaults', () => {
    expect(DEFAULT_CODEC_OPTIONS).to.deep.equal({
      maxStrLength: 64 * 1024 * 1024,
      maxBinLength: 64 * 1024 * 1024,
      maxArrayLength: 16 * 1024 * 1024,
      maxMapLength: 16 * 1024 * 1024,
      maxExtLength: 64 * 1024 * 1024,
      maxDepth: 100,
      maxMessageSize: Infinity,
      maxObjects: 1024 * 1024,
      bytesPerObject: 2,
    });
  });

  it('refuses bad options with ValueError', () => {
    expect(() => new Codec(undefined, { maxDepth: 0 })).to.throw(ValueError, /maxDepth/);
    expect(() => new Codec(undefined, { maxStrLength: -1 })).to.throw(ValueError, /maxStrLength/);
    expect(() => new Codec(undefined, { maxArrayLength: 1.5 })).to.throw(ValueError);
  });

  it('refuses a string over maxStrLength (at the limit is fine), also as a map key', () => {
    const codec = codecWith({ maxStrLength: 10 });
    expect(codec.decode(encode('x'.repeat(10)))).to.equal('x'.repeat(10));
    expectProtocolError(codec, encode('x'.repeat(11)), /string of 11 bytes/);
    expectProtocolError(codec, encode({ ['k'.repeat(11)]: 1 }));
    expectProtocolError(codec, encode('é'.repeat(6)));
  });

  it('refuses a bin over maxBinLength', () => {
    const codec = codecWith({ maxBinLength: 4 });
    expect([...(codec.decode(encode(new Uint8Array(4))) as Uint8Array)]).to.deep.equal([0, 0, 0, 0]);
    expectProtocolError(codec, encode(new Uint8Array(5)), /bin of 5 bytes/);
  });

  it('refuses an array over maxArrayLength, also as a Set or the entries of a Map', () => {
    const codec = codecWith({ maxArrayLength: 3 });
    const wide = new Codec();
    expect(codec.decode(encode([1, 2, 3]))).to.deep.equal([1, 2, 3]);
    expectProtocolError(codec, encode([1, 2, 3, 4]), /array of 4 entries/);
    expectProtocolError(codec, wide.encode(new Set([1, 2, 3, 4])));
    expectProtocolError(codec, wide.encode(new Map([[1, 1], [2, 2], [3, 3], [4, 4]])));
  });

  it('refuses a map over maxMapLength', () => {
    const codec = codecWith({ maxMapLength: 2 });
    expect(codec.decode(encode({ a: 1, b: 2 }))).to.deep.equal({ a: 1, b: 2 });
    expectProtocolError(codec, encode({ a: 1, b: 2, c: 3 }), /map of 3 entries/);
  });

  it('refuses an extension over maxExtLength (a Map is one extension holding all its content)', () => {
    const codec = codecWith({ maxExtLength: 20 });
    expect(codec.decode(new Codec().encode(new Map([[1, 'small']])))).to.be.instanceOf(Map);
    expectProtocolError(codec, new Codec().encode(new Map([[1, 'x'.repeat(30)]])), /extension of \d+ bytes/);
    expectProtocolError(codec, new Codec().encode(2n ** 400n));
  });

  it('refuses nesting deeper than maxDepth, counted the same way when encoding and decoding', () => {
    const strict = codecWith({ maxDepth: 5 });
    const loose = codecWith({ maxDepth: 1000 });
    const atLimit = nestedArrays(5);
    expect(strict.decode(strict.encode(atLimit))).to.deep.equal(atLimit);
    expect(strict.decode(strict.encode(nestedArrays(4, {})))).to.deep.equal(nestedArrays(4, {}));
    expect(() => strict.encode(nestedArrays(6))).to.throw(ValueError, /maxDepth \(5\)/);
    expect(() => strict.encode(nestedArrays(5, {}))).to.throw(ValueError); // an empty map is a level too
    expectProtocolError(strict, loose.encode(nestedArrays(6)), /maxDepth/);
    expectProtocolError(strict, loose.encode(nestedArrays(5, []))); // an empty array is a level too
    // Leaves (bigint, Date, bin) do not count.
    expect(strict.decode(strict.encode(nestedArrays(5, 1n)))).to.deep.equal(nestedArrays(5, 1n));
    expect(strict.decode(strict.encode(nestedArrays(5, new Uint8Array(1))))).to.be.an('array');
  });

  it('counts depth through extension payloads, alike on both sides, for random shapes', () => {
    const random = seededRandom(7);
    const wrappers: ((inner: unknown) => unknown)[] = [
      (inner) => [inner],
      (inner) => ({ k: inner }),
      (inner) => new Map([['k', inner]]),
      (inner) => new Map([[inner, 1]]),
      (inner) => new Set([inner]),
      (inner) => Object.assign(JSON.parse('{"__proto__": 0}'), { v: inner }),
      // A reference is a leaf of the shape (its address array is one level deeper).
      () => new FakeProxy({ typeid: 'T', address: ['h', 1], id: 'i' }),
    ];
    // (Errors are left out: one whose fields are too deep is still sent, without its fields.)
    const hooks = proxyHooks();
    for (let round = 0; round < 150; round++) {
      let value: unknown = 0;
      const layers = 1 + Math.floor(random() * 12);
      for (let i = 0; i < layers; i++) value = wrappers[Math.floor(random() * (i === 0 ? wrappers.length : wrappers.length - 1))](value);
      const maxDepth = 1 + Math.floor(random() * 20);
      const strict = codecWith({ maxDepth }, hooks);
      const bytes = codecWith({ maxDepth: 1000 }, hooks).encode(value);
      let encodes: boolean;
      try {
        strict.encode(value);
        encodes = true;
      } catch (error) {
        expect(error).to.be.instanceOf(ValueError);
        encodes = false;
      }
      const decodes = decodeOrProtocolError(strict, bytes).error === undefined;
      expect(decodes, `round ${round}: maxDepth ${maxDepth}, ${layers} layers`).to.equal(encodes);
    }
  });

  it('counts depth across nested Maps when encoding (each Map payload has its own Encoder)', () => {
    let value: unknown = 0;
    for (let i = 0; i < 3; i++) value = new Map([[1, [[value]]]]); // 4 levels each: Map, pair, 2 arrays
    expect(() => codecWith({ maxDepth: 11 }).encode(value)).to.throw(ValueError);
    const bytes = codecWith({ maxDepth: 12 }).encode(value);
    expect(codecWith({ maxDepth: 12 }).decode(bytes)).to.be.instanceOf(Map);
    expectProtocolError(codecWith({ maxDepth: 11 }), bytes);
  });

  it('fails cleanly on circular values, through arrays, objects, Maps, Sets and errors', () => {
    const codec = new Codec();
    const array: unknown[] = [];
    array.push(array);
    const object: Record<string, unknown> = {};
    object.self = { back: object };
    const map = new Map<string, unknown>();
    map.set('self', map);
    const set = new Set<unknown>();
    set.add([set]);
    const mapKey = new Map<unknown, unknown>();
    mapKey.set(new Set([mapKey]), 1);
    for (const value of [array, object, map, set, mapKey]) {
      expect(() => codec.encode(value)).to.throw(ValueError, /circular/);
    }
    const error: Error & { self?: unknown } = new Error('loop');
    error.self = error;
    expect(roundTrip(error, codec).message).to.equal('Error: loop'); // sent without its fields
  });

  it('survives very deep input without overflowing the stack (refused, never RangeError)', () => {
    expectProtocolError(new Codec(), new Uint8Array(1_000_000).fill(0x91), /maxDepth \(100\)/);
    // With a huge maxDepth the call stack runs out first: still a clean ValueError / ProtocolError.
    const codec = codecWith({ maxDepth: 100_000 });
    let deepSets: unknown = 0;
    for (let i = 0; i < 20_000; i++) deepSets = new Set([deepSets]);
    expect(() => codec.encode(deepSets)).to.throw(ValueError, /call stack/);
    expectProtocolError(codec, nestedSetBytes(20_000));
    expect(roundTrip(new Set([1]), codec)).to.deep.equal(new Set([1]));
  });

  it('refuses truncated input: every strict prefix of a message', () => {
    const codec = new Codec(proxyHooks());
    const bytes = codec.encode(richMessage());
    expect(decodeOrProtocolError(codec, bytes).error).to.equal(undefined);
    for (let length = 0; length < bytes.length; length++) {
      expectProtocolError(codec, bytes.subarray(0, length));
    }
  });

  it('refuses trailing bytes, after the message and inside an extension payload', () => {
    const codec = new Codec();
    expectProtocolError(codec, concat(encode([1, 2]), [0xc0]), /trailing/);
    expectProtocolError(codec, concat(encode('x'), encode('y')), /trailing/);
    const setPayload = concat(encode([1]), [0x01]);
    expectProtocolError(codec, encode(new ExtData(ExtType.Set, setPayload)), /trailing/);
  });

  it('refuses a container that promises more elements than there are bytes, before allocating', () => {
    const codec = new Codec();
    // array 32 of 16M elements, nested 50 deep, in 250 bytes: refused without building anything.
    const header = [0xdd, 0x00, 0xff, 0xff, 0xff];
    expectProtocolError(codec, Uint8Array.from(Array.from({ length: 50 }, () => header).flat()), /truncated/);
    expectProtocolError(codec, Uint8Array.from([0xdf, 0x00, 0x10, 0x00, 0x00, 0xa0, 0x01]), /truncated/);
  });

  it('refuses unknown type bytes and unknown extension types', () => {
    const codec = new Codec();
    expectProtocolError(codec, Uint8Array.from([0xc1]), /type byte/);
    expectProtocolError(codec, encode(new ExtData(42, new Uint8Array([1]))), /extension type 42/);
    expectProtocolError(codec, encode(new ExtData(-2, new Uint8Array([1]))), /extension type -2/);
  });

  it('refuses malformed extension payloads', () => {
    const codec = new Codec();
    const ext = (type: number, payload: Uint8Array): Uint8Array => encode(new ExtData(type, payload));
    const cases: Uint8Array[] = [
      ext(ExtType.Map, encode({ not: 'an array' })),
      ext(ExtType.Map, new Uint8Array(0)),
      ext(ExtType.Map, encode([[1, 2, 3]])),
      ext(ExtType.Map, encode([1, 2])),
      ext(ExtType.Set, encode('abc')),
      ext(ExtType.Slice, encode([1, 2])),
      ext(ExtType.Slice, encode([1, 'a', null])),
      ext(ExtType.UnsafeObject, encode([[1, 'numeric key']])),
      ext(ExtType.UnsafeObject, encode([['k']])),
      ext(ExtType.BigInt, new Uint8Array(0)),
      ext(ExtType.BigInt, Uint8Array.from([2, 1])),
      ext(ExtType.Timestamp, new Uint8Array(3)),
    ];
    for (const bytes of cases) expectProtocolError(codec, bytes);
  });

  it('refuses map keys msgpack-javascript cannot represent', () => {
    const codec = new Codec();
    // {[1, 2]: 'v'}: fixmap of one entry whose key is an array
    expectProtocolError(codec, Uint8Array.from([0x81, 0x92, 0x01, 0x02, 0xa1, 0x76]));
    expectProtocolError(codec, Uint8Array.from([0x81, 0xc0, 0x01])); // nil key
  });

  it('lets only ProtocolError escape for random bytes', () => {
    const codec = new Codec(proxyHooks());
    const random = seededRandom(12345);
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
      if (decodeOrProtocolError(codec, bytes).error === undefined) decoded++;
    }
    expect(decoded).to.be.greaterThan(0); // some random inputs are valid messages
    expect(decoded).to.be.lessThan(3000);
  });

  it('lets only ProtocolError escape for mutated valid messages', () => {
    const codec = new Codec(proxyHooks());
    const original = codec.encode(richMessage());
    const random = seededRandom(99);
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from(original);
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      decodeOrProtocolError(codec, bytes.subarray(0, cut));
    }
    expect(roundTrip([1, 'still fine'], codec)).to.deep.equal([1, 'still fine']);
  });
});

/** `levels` SET extensions nested in each other (ext 32 headers), around the integer 0. */
function nestedSetBytes(levels: number): Uint8Array {
  const bytes = new Uint8Array(levels * 7 + 1);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < levels; i++) {
    const at = i * 7;
    bytes[at] = 0xc9;
    view.setUint32(at + 1, bytes.length - at - 6); // the payload: everything after this header
    bytes[at + 5] = ExtType.Set;
    bytes[at + 6] = 0x91;
  }
  return bytes;
}
