// The places where the codec reaches inside @msgpack/msgpack 3.1's Encoder and Decoder, kept
// together so that an upgrade has one file to check (the codec tests fail if either stops working).
//
// - Encoder#encodeObject(object, depth) is where the Encoder hands every non-primitive value to the
//   extension codec. Recording its `depth` lets an extension payload (encoded by a nested Encoder
//   that counts from 1 again) continue the depth count of the message it sits in, so that maxDepth
//   bounds the whole message and a cycle through a Map or Set fails cleanly instead of overflowing
//   the stack.
// - Decoder#decodeBinary(length, offset) returns a view into the decoded input. Bin values are
//   copied so that a decoded Uint8Array neither aliases the caller's buffer nor keeps a whole frame
//   alive (a server stores what it decodes, sometimes for a long time), unless the caller says the
//   input is its to keep and the value is most of it (then the copy would only cost time).
// - Encoder#encodeBinary(view) grows the buffer, if needed, to twice what the message needs so far.
//   A large binary gets a buffer of the right size (plus a margin) from the pool of large buffers
//   instead, so that a large message can be sent as it is, without a copy, without keeping twice its
//   size alive while it waits, and without writing to fresh memory (see lib/buffers/).
// - Encoder#encodeNumber(number) writes -0 as the integer 0 (it is a safe integer); Python's -0.0
//   and JavaScript's -0 are floats, so -0 goes to Encoder#encodeNumberAsFloat instead.
// - Decoder#bytes, #view and #pos hold the last input decoded, until the next decode: after a large
//   message they are pointed at an empty buffer, so the Decoder does not keep the message alive.
// - Encoder#ensureBufferSizeToWrite(size) is where the buffer grows (to twice what is needed):
//   capping it there refuses a message over a size limit before a buffer larger than the limit exists.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import { LimitError, ManagerError } from '../errors.js';

interface EncoderInternals {
  encodeNumber(object: number): void;
  encodeNumberAsFloat(object: number): void;
  encodeObject(object: unknown, depth: number): void;
  encodeBinary(object: ArrayBufferView): void;
  ensureBufferSizeToWrite(size: number): void;
  resizeBuffer(size: number): void;
  writeU8(value: number): void;
  writeU32(value: number): void;
  pos: number;
  view: DataView;
  bytes: Uint8Array;
}

interface DecoderInternals {
  decodeBinary(byteLength: number, headOffset: number): Uint8Array;
  bytes: Uint8Array;
  view: DataView;
  pos: number;
}

/** A binary this large gets room of its own size in the buffer, plus BINARY_MARGIN, not double. */
const LARGE_BINARY = 256 * 1024;
/** Room left after a large binary, for the rest of the message. */
const BINARY_MARGIN = 64 * 1024;

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
 * Makes `decoder` return bin values as fresh Uint8Arrays (never Buffers), except those for which
 * `mayKeepView(view)` is true: those come back as Uint8Array views into the input. Extension payloads
 * go through the same method; they are parsed at once and dropped, so a view of them is harmless.
 */
export function copyDecodedBinaries(decoder: Decoder<any>, mayKeepView: (view: Uint8Array) => boolean = () => false): void {
  const internals = decoder as unknown as DecoderInternals;
  const decodeBinary = internals.decodeBinary.bind(decoder);
  internals.decodeBinary = (byteLength: number, headOffset: number): Uint8Array => {
    const view = decodeBinary(byteLength, headOffset);
    return mayKeepView(view) ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(view);
  };
}

/**
 * Makes `decoder` let go of the input it last decoded: it keeps `bytes` and a DataView of them until
 * its next decode. Used after a large message instead of making a new Decoder for the next one: a
 * new Decoder per large message (with its patched methods, see copyDecodedBinaries) made the client
 * of a 1 MiB binary get run a full mark-compact every ~20 gets (bench/tools/binaryProbe.ts).
 */
export function forgetDecodedInput(decoder: Decoder<any>): void {
  const internals = decoder as unknown as DecoderInternals;
  internals.bytes = NO_BYTES;
  internals.view = NO_VIEW;
  internals.pos = 0;
}

const NO_BYTES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_BYTES.buffer);

/** Makes `encoder` keep the sign of -0 (a float64 on the wire, as CPython writes -0.0). */
export function keepNegativeZero(encoder: Encoder<any>): void {
  const internals = encoder as unknown as EncoderInternals;
  const encodeNumber = internals.encodeNumber.bind(encoder);
  const encodeNumberAsFloat = internals.encodeNumberAsFloat.bind(encoder);
  internals.encodeNumber = (object: number): void => (object === 0 && 1 / object < 0 ? encodeNumberAsFloat(object) : encodeNumber(object));
}

/** Makes `encoder` make room for a large binary closely (see the top of this file). */
export function sizeLargeBinariesClosely(encoder: Encoder<any>): void {
  const internals = encoder as unknown as EncoderInternals;
  const encodeBinary = internals.encodeBinary.bind(encoder);
  internals.encodeBinary = (object: ArrayBufferView): void => {
    if (object.byteLength > LARGE_BINARY) {
      const needed = internals.pos + 5 + object.byteLength; // bin 32 header + body
      if (internals.view.byteLength < needed) {
        // As Encoder#resizeBuffer does, but from the pool of large buffers (memory already touched),
        // and not zero-filled: every byte sent is written first.
        const buffer = largeBuffers.take(needed + BINARY_MARGIN);
        const bytes = new Uint8Array(buffer);
        bytes.set(internals.bytes.subarray(0, internals.pos));
        largeBuffers.give(internals.bytes.buffer); // if an earlier large binary of this message had it
        internals.bytes = bytes;
        internals.view = new DataView(buffer);
      }
    }
    encodeBinary(object);
  };
}

/**
 * Makes `encoder` throw LimitError (limit `maxMessageSize`) as soon as the message would take more
 * than `maxBytes` bytes, and never grow its buffer beyond `maxBytes` (plus a binary's margin).
 * Call after sizeLargeBinariesClosely, so that the check comes first.
 */
export function limitEncodedSize(encoder: Encoder<any>, maxBytes: number): void {
  if (maxBytes === Infinity) return;
  const internals = encoder as unknown as EncoderInternals;
  const tooLarge = (needed: number): LimitError =>
    new LimitError(`the message would take more than ${maxBytes} bytes (at least ${needed}); nothing larger is built`, 'maxMessageSize');
  internals.ensureBufferSizeToWrite = (size: number): void => {
    const needed = internals.pos + size;
    if (needed > maxBytes) throw tooLarge(needed);
    if (internals.view.byteLength < needed) internals.resizeBuffer(Math.min(needed * 2, maxBytes));
  };
  const encodeBinary = internals.encodeBinary.bind(encoder);
  internals.encodeBinary = (object: ArrayBufferView): void => {
    const needed = internals.pos + 5 + object.byteLength;
    if (needed > maxBytes) throw tooLarge(needed);
    encodeBinary(object);
  };
}

/** The bytes `encoder`'s buffer holds now (it keeps the largest it ever needed). */
export function encoderBufferSize(encoder: Encoder<any>): number {
  return (encoder as unknown as EncoderInternals).bytes.byteLength;
}

/** A large Uint8Array an encoder left out of its buffer: it belongs `at` bytes into the message. */
export interface GatherSlot {
  at: number;
  data: Uint8Array;
}

/** Whether an encoder leaves large Uint8Arrays out (`active`), and those it left out of this message. */
export interface Gathering {
  active: boolean;
  slots: GatherSlot[];
}

/** Uint8Arrays at least this large are left out of the encoder's buffer while gathering. */
export const GATHERED_MIN = 256 * 1024;

/**
 * While `gathering.active`, makes `encoder` write only the bin 32 header of a Uint8Array of
 * GATHERED_MIN bytes or more, and note where its bytes belong, instead of copying them in: the
 * message is then the encoder's bytes with each slot's data spliced in at its offset. Only plain
 * Uint8Arrays (and Buffers): other typed arrays may be views the server changes in place. Install
 * last, so that it is the first to see a binary.
 */
export function gatherLargeBinaries(encoder: Encoder<any>, gathering: Gathering): void {
  const internals = encoder as unknown as EncoderInternals;
  const encodeBinary = internals.encodeBinary.bind(encoder);
  internals.encodeBinary = (object: ArrayBufferView): void => {
    const size = object.byteLength;
    if (!gathering.active || !(object instanceof Uint8Array) || size < GATHERED_MIN || size > 0xffffffff) return encodeBinary(object);
    internals.writeU8(0xc6); // bin 32
    internals.writeU32(size);
    gathering.slots.push({ at: internals.pos, data: object });
  };
}

function assertInternalsPresent(): void {
  const encoderPrototype = Encoder.prototype as unknown as Partial<EncoderInternals>;
  const decoderPrototype = Decoder.prototype as unknown as Partial<DecoderInternals>;
  if (
    typeof encoderPrototype.encodeObject !== 'function' ||
    typeof encoderPrototype.encodeNumber !== 'function' ||
    typeof encoderPrototype.encodeNumberAsFloat !== 'function' ||
    typeof encoderPrototype.encodeBinary !== 'function' ||
    typeof encoderPrototype.ensureBufferSizeToWrite !== 'function' ||
    typeof encoderPrototype.resizeBuffer !== 'function' ||
    typeof encoderPrototype.writeU8 !== 'function' ||
    typeof encoderPrototype.writeU32 !== 'function' ||
    typeof decoderPrototype.decodeBinary !== 'function' ||
    !(new Decoder() as unknown as Partial<DecoderInternals>).bytes
  ) {
    throw new ManagerError(
      'this @msgpack/msgpack version lacks Encoder#encodeObject, Encoder#encodeBinary Decoder#decodeBinary or Decoder#bytes: see lib/codec/msgpackInternals.ts',
    );
  }
}
