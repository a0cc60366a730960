// The object budget of one message (CodecOptions.maxObjects, bytesPerObject): arrays, maps, bins and
// extension values cost tens of bytes of memory for a byte or three on the wire, so a message may
// decode to only so many of them, checked by the pre-scan before anything is built.
import { expect } from 'chai';
import { Codec } from '../../lib/codec/codec.js';
import { OBJECTS_ALWAYS_ALLOWED } from '../../lib/codec/scan.js';
import { codecWith, expectProtocolError, FakeProxy, proxyHooks } from './helpers.js';

/** An array32 of `count` copies of `item`'s bytes. */
function arrayOf(count: number, item: number[]): Uint8Array {
  const bytes = new Uint8Array(5 + count * item.length);
  bytes[0] = 0xdd;
  new DataView(bytes.buffer).setUint32(1, count);
  for (let i = 0; i < count; i++) bytes.set(item, 5 + i * item.length);
  return bytes;
}

const EMPTY_MAP = [0x80];
const EMPTY_ARRAY = [0x90];
const EMPTY_BIN = [0xc4, 0x00];
const EMPTY_SET = [0xd4, 0x04, 0x90]; // fixext 1, type SET, payload []

describe('codec: object budget (maxObjects, bytesPerObject)', () => {
  it('refuses a message of more than maxObjects empty maps, arrays, bins or Sets, and decodes one at the limit', () => {
    const codec = codecWith({ maxObjects: 1000, bytesPerObject: 0 });
    for (const item of [EMPTY_MAP, EMPTY_ARRAY, EMPTY_BIN]) {
      expect((codec.decode(arrayOf(999, item)) as unknown[]).length).to.equal(999); // + the outer array
      expectProtocolError(codec, arrayOf(1000, item), /maxObjects/);
    }
    // A Set is two objects: the extension and its payload array.
    expect((codec.decode(arrayOf(499, EMPTY_SET)) as unknown[]).length).to.equal(499);
    expectProtocolError(codec, arrayOf(500, EMPTY_SET), /maxObjects/);
  });

  it('strings and numbers do not count', () => {
    const codec = codecWith({ maxObjects: 10, bytesPerObject: 0 });
    expect((codec.decode(arrayOf(5000, [0xa1, 0x78])) as unknown[]).length).to.equal(5000);
    expect((codec.decode(arrayOf(5000, [0x01])) as unknown[]).length).to.equal(5000);
  });

  it('by default a small message decodes to few objects: 4096 plus one per 2 bytes', () => {
    const codec = new Codec();
    // 20,000 empty maps in 20,005 bytes: over 4096 + 10,002.
    expectProtocolError(codec, arrayOf(20_000, EMPTY_MAP), /bytesPerObject/);
    // [1] takes 2 bytes an object: always within the ratio.
    expect((codec.decode(arrayOf(20_000, [0x91, 0x01])) as unknown[]).length).to.equal(20_000);
    // Up to the floor, anything goes.
    expect((codec.decode(arrayOf(OBJECTS_ALWAYS_ALLOWED - 1, EMPTY_MAP)) as unknown[]).length).to.equal(OBJECTS_ALWAYS_ALLOWED - 1);
  });

  it('by default a message of millions of empty maps is refused before any is built (the issue 10 probe)', () => {
    const codec = new Codec();
    const bytes = arrayOf(16 * 1024 * 1024, EMPTY_MAP); // 16 MiB of {}
    const before = process.memoryUsage().heapUsed;
    expectProtocolError(codec, bytes, /maxObjects/);
    // Nothing the size of 16 Mi objects (~1 GB) was allocated; the scan allocates nothing.
    expect(process.memoryUsage().heapUsed - before).to.be.lessThan(64 * 1024 * 1024);
  });

  it('references count: a message of many forged references is refused before any reaches fromWire', () => {
    const calls = { toWire: 0, fromWire: 0 };
    const hooks = proxyHooks(calls);
    const one = new Codec(hooks).encode(new FakeProxy({ typeid: 'list', address: undefined, id: 'ab' }));
    const codec = codecWith({ maxObjects: 2000, bytesPerObject: 0 }, hooks);
    expect((codec.decode(arrayOf(999, [...one])) as unknown[]).length).to.equal(999);
    const before = calls.fromWire;
    expectProtocolError(codec, arrayOf(1000, [...one]), /maxObjects/);
    expect(calls.fromWire).to.equal(before);
  });

  it('refuses bad values of the options with ValueError', () => {
    expect(() => new Codec(undefined, { maxObjects: -1 })).to.throw(/maxObjects/);
    expect(() => new Codec(undefined, { bytesPerObject: 0.5 })).to.throw(/bytesPerObject/);
  });
});
