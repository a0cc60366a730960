// Property-based tests (fast-check) of the codec over the framing: a stream of valid messages,
// however chunked, decodes to the same values; arbitrary or mutated bytes never make decode() throw
// anything but ProtocolError, and never touch Object.prototype.
import { expect } from 'chai';
import fc from 'fast-check';
import { Codec } from '../../lib/codec/codec.js';
import { FrameParser, frameHeader } from '../../lib/connection/framing.js';
import { ProtocolError } from '../../lib/errors.js';
import { proxyHooks, richMessage } from '../codec/helpers.js';
import { cutInto } from './helpers.js';

const RUNS = 200;

/** Values that survive a round trip unchanged (what a client may put in a shared object). */
const { value: wireValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.string({ unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 64 }),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((items) => new Set(items)),
  ),
}));

/** Requests as a client sends them. */
const request = fc.tuple(fc.nat(), fc.oneof(fc.constant(null), fc.string()), fc.string(), fc.array(wireValue, { maxLength: 4 })).map(
  ([id, objectId, method, args]) => [0, id + 1, objectId, method, args, null],
);

describe('reliability: codec properties', () => {
  it('a stream of valid messages, however chunked, decodes to the same values', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, cuts) => {
        const sender = new Codec();
        const stream = Buffer.concat(
          messages.flatMap((m) => {
            const payload = sender.encode(m);
            return [frameHeader(payload.length), payload];
          }),
        );
        const receiver = new Codec();
        const decoded: unknown[] = [];
        const parser = new FrameParser(64 * 1024 * 1024);
        for (const chunk of cutInto(stream, cuts)) parser.push(chunk, (frame) => decoded.push(receiver.decode(frame)));
        expect(decoded).to.deep.equal(messages);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes decode to a value or throw ProtocolError, nothing else', () => {
    const codec = new Codec(proxyHooks());
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodeOrProtocolError(codec, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid messages (every extension type included) decode or throw ProtocolError, nothing else', () => {
    const codec = new Codec(proxyHooks());
    const seeds = [richMessage(), ...fc.sample(request, { numRuns: 20, seed: 7 })].map((m) => codec.encode(m));
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      edits: fc.array(
        fc.record({ kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let bytes: Buffer = Buffer.from(seeds[seed]);
        for (const { kind, at, byte } of edits) bytes = mutate(bytes, kind, at, byte);
        decodeOrProtocolError(codec, bytes);
      }),
      { numRuns: 3000 },
    );
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });
});

function decodeOrProtocolError(codec: Codec, bytes: Uint8Array): void {
  try {
    codec.decode(bytes);
  } catch (error) {
    if (!(error instanceof ProtocolError)) {
      throw new Error(`decode threw ${String(error)} for ${Buffer.from(bytes).toString('hex')}`, { cause: error });
    }
  }
}

function mutate(bytes: Buffer, kind: string, at: number, byte: number): Buffer {
  const i = bytes.length === 0 ? 0 : at % bytes.length;
  switch (kind) {
    case 'flip':
      if (bytes.length > 0) bytes[i] = bytes[i] ^ (1 << (byte % 8));
      return bytes;
    case 'set':
      if (bytes.length > 0) bytes[i] = byte;
      return bytes;
    case 'insert':
      return Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
    default:
      return bytes.subarray(0, i);
  }
}

