// The RedisManager's shortcut for scalars (lib/redis/scalars.ts) must give exactly the Codec's bytes
// (dict keys compare by their encoding in Redis) and read back exactly what the Codec would, leaving
// everything else to the Codec.
import { expect } from 'chai';
import { Codec } from '../../lib/codec/codec.js';
import { decodeScalar, encodeScalar, NOT_SCALAR } from '../../lib/redis/scalars.js';

const codec = new Codec();

const SCALARS: unknown[] = [
  null,
  true,
  false,
  '',
  'k',
  'a'.repeat(31),
  'a'.repeat(32),
  'b'.repeat(64),
  'key with spaces ~!@#$%^&*()',
  '\x00\x7f',
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  0.5,
  -0.25,
  1e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
];

// Left to the Codec: 64-bit integers, non-ASCII or long strings, objects.
const OTHERS: unknown[] = [2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 'é', '\ud800', 'c'.repeat(65), [1], { a: 1 }, new Map(), 10n, undefined];

describe('redis/scalars', () => {
  it('encodes each scalar to exactly the bytes of the Codec', () => {
    for (const value of SCALARS) {
      const bytes = encodeScalar(value, Infinity);
      expect(bytes, String(value)).to.not.equal(undefined);
      expect([...bytes!], String(value)).to.deep.equal([...codec.encode(value)]);
    }
  });

  it('decodes what the Codec encodes back to what the Codec decodes', () => {
    for (const value of SCALARS) {
      const bytes = Buffer.from(codec.encode(value));
      const decoded = decodeScalar(bytes, Infinity);
      expect(decoded, String(value)).to.not.equal(NOT_SCALAR);
      expect(Object.is(decoded, codec.decode(bytes)) || decoded === codec.decode(bytes), String(value)).to.equal(true);
    }
  });

  it('leaves every other value to the Codec, both ways', () => {
    for (const value of OTHERS) {
      expect(encodeScalar(value, Infinity), String(value)).to.equal(undefined);
      if (value === undefined || typeof value === 'bigint') continue;
      expect(decodeScalar(Buffer.from(codec.encode(value)), Infinity), String(value)).to.equal(NOT_SCALAR);
    }
  });

  it('leaves malformed input (trailing or missing bytes, never-used byte 0xc1, non-ASCII) to the Codec, which refuses it', () => {
    const malformed = [[], [0xc1], [0x01, 0x02], [0xa2, 0x6b], [0xa1, 0x6b, 0x6b], [0xcd, 0x01], [0xcb, 1, 2, 3], [0xa1, 0xff], [0xd9, 3, 0x61]];
    for (const bytes of malformed) expect(decodeScalar(Buffer.from(bytes), Infinity), JSON.stringify(bytes)).to.equal(NOT_SCALAR);
  });

  it('respects the limits the Codec would apply (maxMessageSize on encode, maxStrLength on decode)', () => {
    expect(encodeScalar('abcdef', 4)).to.equal(undefined);
    expect(encodeScalar(1.5, 8)).to.equal(undefined);
    expect(decodeScalar(Buffer.from(codec.encode('abcdef')), 5)).to.equal(NOT_SCALAR);
    expect(decodeScalar(Buffer.from(codec.encode('abcde')), 5)).to.equal('abcde');
  });
});
