// One Codec per connection, reused for every message: a failed encode or decode leaves it exactly
// as usable as before, at every nesting level.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec } from '../../lib/codec/codec.js';
import { ExtType } from '../../lib/codec/extensions.js';
import { Slice } from '../../lib/codec/slice.js';
import { TypeError as PyTypeError, ValueError } from '../../lib/errors.js';
import { codecWith, expectProtocolError, FakeProxy, nestedArrays, proxyHooks, roundTrip } from './helpers.js';

/** A value that exercises the nested Encoders and Decoders (extensions inside extensions). */
function nestedValue(): unknown {
  return [new Map<unknown, unknown>([['k', new Set([1n, new Slice(1, 2)])]]), { e: new Error('x') }, 'end'];
}

function expectNestedValue(back: any): void {
  expect(back[0].get('k')).to.be.instanceOf(Set);
  const [big, slice] = [...back[0].get('k')];
  expect(big).to.equal(1n);
  expect(slice).to.be.instanceOf(Slice);
  expect(back[1].e.message).to.equal('Error: x');
  expect(back[2]).to.equal('end');
}

describe('codec: reuse after failures', () => {
  it('encodes correctly after a circular value failed', () => {
    const codec = new Codec();
    const circular: unknown[] = [1, 'partial output'];
    circular.push(circular);
    expect(() => codec.encode(circular)).to.throw(ValueError);
    expect(codec.encode([1, 2, 3])).to.deep.equal(encode([1, 2, 3]));
    expectNestedValue(roundTrip(nestedValue(), codec));
  });

  it('encodes correctly after a failure deep inside nested extension payloads', () => {
    const codec = new Codec();
    const failing = [new Map([['a', new Set([new Map([['f', () => 1]])])]])];
    expect(() => codec.encode(failing)).to.throw(PyTypeError, /function/);
    expect(codec.encode({ a: 'b' })).to.deep.equal(encode({ a: 'b' }));
    expectNestedValue(roundTrip(nestedValue(), codec));
  });

  it('resets its depth count after a value exceeded maxDepth', () => {
    const codec = codecWith({ maxDepth: 6 });
    expect(() => codec.encode(new Map([[1, nestedArrays(10)]]))).to.throw(ValueError);
    expect(codec.decode(codec.encode(nestedArrays(6)))).to.deep.equal(nestedArrays(6));
    const atLimit = new Set([new Set([new Set([new Set([new Set([new Set([])])])])])]);
    expect(roundTrip(atLimit, codec)).to.deep.equal(atLimit);
  });

  it('encodes correctly after a toWire hook threw', () => {
    let fail = true;
    const codec = new Codec({
      toWire: (value) => {
        if (value instanceof FakeProxy && fail) throw new Error('released proxy');
        return value instanceof FakeProxy ? value.ref : undefined;
      },
      fromWire: (ref) => ref,
    });
    const value = [new Map([['p', new FakeProxy({ typeid: 'T', address: undefined, id: '1' })]])];
    expect(() => codec.encode(value)).to.throw('released proxy');
    fail = false;
    expect(roundTrip(value, codec)[0].get('p')).to.deep.equal({ typeid: 'T', address: undefined, id: '1' });
  });

  it('decodes correctly after malformed input, at the top and inside nested payloads', () => {
    const codec = new Codec(proxyHooks());
    const good = codec.encode(nestedValue());
    const badSlice = encode(new ExtData(ExtType.Map, encode([['k', new ExtData(ExtType.Slice, encode(['x', 1, 2]))]])));
    const badKey = Uint8Array.from([0x92, 0x01, 0x81, 0xc0, 0x01]);
    for (const bad of [badSlice, badKey, Uint8Array.from([0xc1]), good.subarray(0, good.length - 1)]) {
      expectProtocolError(codec, bad);
      expectNestedValue(codec.decode(good));
    }
  });

  it('keeps working after a message larger than the buffers it keeps', () => {
    const codec = new Codec();
    const big = { blob: new Uint8Array(3 * 1024 * 1024).fill(1), map: new Map([[1, 'x'.repeat(2 * 1024 * 1024)]]) };
    const back = roundTrip(big, codec);
    expect(back.blob.length).to.equal(3 * 1024 * 1024);
    expect(back.map.get(1).length).to.equal(2 * 1024 * 1024);
    expectNestedValue(roundTrip(nestedValue(), codec));
  });

  it('does not keep a large message alive once it is decoded, at any nesting level', async () => {
    const codec = new Codec();
    const decodedOnce = (): WeakRef<ArrayBuffer> => {
      // Over 1 MiB, with a nested extension (a Map in a Set), so that two decoders read from it.
      const bytes = Uint8Array.from(codec.encode([new Set([new Map([[1, 'x'.repeat(1536 * 1024)]])])]));
      expect(bytes.length).to.be.greaterThan(1024 * 1024);
      codec.decode(bytes);
      return new WeakRef(bytes.buffer);
    };
    const message = decodedOnce();
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the job ends
    (globalThis as unknown as { gc: () => void }).gc();
    expect(message.deref()).to.equal(undefined);
    expectNestedValue(roundTrip(nestedValue(), codec));
  });

  it('keeps one codec consistent across many alternating messages', () => {
    const codec = new Codec(proxyHooks());
    for (let i = 0; i < 200; i++) {
      const value = [i, new Map([[i, new Set([BigInt(i) * 2n ** 70n])]]), new FakeProxy({ typeid: 'T', address: ['h', i], id: String(i) })];
      const back = roundTrip(value, codec);
      expect(back[0]).to.equal(i);
      expect([...back[1].get(i)][0]).to.equal(BigInt(i) * 2n ** 70n);
      expect(back[2].ref.id).to.equal(String(i));
    }
  });
});
