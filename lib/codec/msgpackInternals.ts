// The two places where the codec reaches inside @msgpack/msgpack 3.1's Encoder and Decoder, kept
// together so that an upgrade has one file to check (the codec tests fail if either stops working).
//
// - Encoder#encodeObject(object, depth) is where the Encoder hands every non-primitive value to the
//   extension codec. Recording its `depth` lets an extension payload (encoded by a nested Encoder
//   that counts from 1 again) continue the depth count of the message it sits in, so that maxDepth
//   bounds the whole message and a cycle through a Map or Set fails cleanly instead of overflowing
//   the stack.
// - Decoder#decodeBinary(length, offset) returns a view into the decoded input. Bin values are
//   copied so that a decoded Uint8Array neither aliases the caller's buffer nor keeps a whole frame
//   alive (a server stores what it decodes, sometimes for a long time).
import { Decoder, Encoder } from '@msgpack/msgpack';
import { ManagerError } from '../errors.js';

interface EncoderInternals {
  encodeObject(object: unknown, depth: number): void;
}

interface DecoderInternals {
  decodeBinary(byteLength: number, headOffset: number): Uint8Array;
}

assertInternalsPresent();

/** Calls `onObject(depth)` each time `encoder` is about to encode a non-primitive value. */
export function observeObjectDepth(encoder: Encoder<any>, onObject: (depth: number) => void): void {
  const internals = encoder as unknown as EncoderInternals;
  const encodeObject = internals.encodeObject.bind(encoder);
  internals.encodeObject = (object: unknown, depth: number): void => {
    onObject(depth);
    encodeObject(object, depth);
  };
}

/**
 * Makes `decoder` return bin values as fresh Uint8Arrays (never Buffers, never views). Extension
 * payloads go through the same method, so they are copied too; they are parsed at once and dropped.
 */
export function copyDecodedBinaries(decoder: Decoder<any>): void {
  const internals = decoder as unknown as DecoderInternals;
  const decodeBinary = internals.decodeBinary.bind(decoder);
  internals.decodeBinary = (byteLength: number, headOffset: number): Uint8Array =>
    new Uint8Array(decodeBinary(byteLength, headOffset));
}

function assertInternalsPresent(): void {
  const encoderPrototype = Encoder.prototype as unknown as Partial<EncoderInternals>;
  const decoderPrototype = Decoder.prototype as unknown as Partial<DecoderInternals>;
  if (typeof encoderPrototype.encodeObject !== 'function' || typeof decoderPrototype.decodeBinary !== 'function') {
    throw new ManagerError(
      'this @msgpack/msgpack version lacks Encoder#encodeObject or Decoder#decodeBinary: see lib/codec/msgpackInternals.ts',
    );
  }
}
