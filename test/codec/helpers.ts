// Shared by the codec tests: round trips, raw msgpack bytes, and a seeded random source.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec, type CodecOptions, type RefHooks } from '../../lib/codec/codec.js';
import { ProtocolError } from '../../lib/errors.js';
import { Slice } from '../../lib/codec/slice.js';

export function roundTrip(value: unknown, codec: Codec = new Codec()): any {
  return codec.decode(codec.encode(value));
}

/** Plain msgpack bytes, for input the Codec would never produce itself. */
export function raw(value: unknown): Uint8Array {
  return encode(value);
}

/** A raw extension whose payload is the msgpack encoding of `payload`. */
export function rawExt(type: number, payload: unknown): ExtData {
  return new ExtData(type, encode(payload));
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

/** Decodes `bytes`, failing the test if anything but a ProtocolError escapes. */
export function decodeOrProtocolError(codec: Codec, bytes: Uint8Array): { value?: unknown; error?: ProtocolError } {
  try {
    return { value: codec.decode(bytes) };
  } catch (error) {
    expect(error, `decode threw ${String(error)}`).to.be.instanceOf(ProtocolError);
    return { error: error as ProtocolError };
  }
}

export function expectProtocolError(codec: Codec, bytes: Uint8Array, message?: RegExp): ProtocolError {
  const { error } = decodeOrProtocolError(codec, bytes);
  expect(error, 'decode should have failed').to.be.instanceOf(ProtocolError);
  if (message !== undefined) expect(error!.message).to.match(message);
  return error!;
}

/** A stand-in for a proxy: the object a RefHooks implementation recognises. */
export class FakeProxy {
  constructor(readonly ref: { typeid: string; address: any; id: string; exposed?: string[]; kind?: any; foreign?: boolean }) {}
}

/** What fromWire returns in these tests. */
export class Received {
  constructor(readonly ref: unknown) {}
}

export function proxyHooks(calls: { toWire: number; fromWire: number } = { toWire: 0, fromWire: 0 }): RefHooks {
  return {
    toWire(value) {
      calls.toWire++;
      return value instanceof FakeProxy ? value.ref : undefined;
    },
    fromWire(ref) {
      calls.fromWire++;
      return new Received(ref);
    },
  };
}

export function codecWith(options: CodecOptions, hooks?: RefHooks): Codec {
  return new Codec(hooks, options);
}

/** mulberry32: a small seeded generator, so a failing fuzz case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `depth` arrays nested in each other around `leaf` (depth 0: the leaf itself). */
export function nestedArrays(depth: number, leaf: unknown = 0): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/**
 * A request using every extension type: references, errors, bigints, Maps, Sets, slices, dates and a
 * `__proto__` key (decoding it must not pollute Object.prototype with `polluted`).
 */
export function richMessage(): unknown {
  // prettier-ignore
  return [0, 17, 'obj', 'method', [
    1.5, -(2 ** 40), 'héllo', null, true, 123456789012345678901234567890n,
    new Map<unknown, unknown>([[[1, 2], new Set(['a', new Slice(1, null, -1)])], [3n, { k: new Date(99) }]]),
    new FakeProxy({ typeid: 'T', address: ['h', 1], id: 'x', exposed: ['m'], kind: 'auto' }),
    Object.assign(new Error('boom', { cause: new RangeError('r') }), { code: 'E' }),
    JSON.parse('{"__proto__": {"polluted": 1}, "b": [2]}'),
    new Uint8Array([1, 2, 3]),
  ], { kw: 1 }];
}
