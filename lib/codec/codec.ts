// The msgpack codec of one connection: its options, the hooks through which references cross the
// wire, and the Codec that turns messages into bytes and back with reused Encoders and Decoders.
// Which JavaScript value becomes which msgpack value is listed in extensions.ts.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import { noteBufferHandedOut } from '../buffers/youngRelease.js';
import { ProtocolError, ValueError } from '../errors.js';
import type { WireRef } from '../protocol.js';
import { WireExtensions, type Level, type PayloadCoder } from './extensions.js';
import { copyDecodedBinaries, encoderBufferSize, forgetDecodedInput, gatherLargeBinaries, keepNegativeZero, limitEncodedSize, observeObjectDepth, sizeLargeBinariesClosely, type Gathering } from './msgpackInternals.js';
import { GatheredMessage, type OutboundMessage } from '../buffers/gatheredMessage.js';
import { scanMessage } from './scan.js';
import { NOT_FLAT, decodeFlat } from './flatDecode.js';
import { FlatEncoder } from './flatEncode.js';

/**
 * Limits on what a peer may send. decode() checks every message against them before building
 * anything larger than the message (flat ones in the same pass: flatDecode.ts), and refuses one
 * over any limit with ProtocolError (its connection is then closed).
 * encode() checks only maxDepth, so that a circular value fails cleanly.
 */
export interface CodecOptions {
  /** Longest string, in UTF-8 bytes. Default 64 MiB. */
  maxStrLength?: number;
  /** Longest bin value (Uint8Array, Buffer, other typed arrays), in bytes. Default 64 MiB. */
  maxBinLength?: number;
  /**
   * Most elements in one array. A Set, and a Map's list of [key, value] pairs, are arrays too.
   * Default 16 Mi (16_777_216): well above what fits in a 64 MiB frame, so that the frame size is
   * what bounds a list in practice. An array must carry as many elements as it declares, and the
   * objects a message decodes to are bounded by maxObjects and bytesPerObject.
   */
  maxArrayLength?: number;
  /** Most entries in one map (a plain object). Default 16 Mi (16_777_216), as maxArrayLength. */
  maxMapLength?: number;
  /**
   * Largest extension payload, in bytes. A Map, Set, Error or reference is one extension whose
   * payload holds all its content, so this also bounds their encoded size. Default 64 MiB.
   */
  maxExtLength?: number;
  /**
   * Deepest nesting of arrays, maps and container extensions (Map, Set, Error, reference, Slice,
   * object with a `__proto__` key), the message itself being at depth 1. A Map counts one level,
   * each of its [key, value] pairs one more. encode() refuses deeper values with ValueError (the
   * usual sign of a circular value), decode() with ProtocolError. Default 100. Each level of
   * extension nesting (a Set in a Set in a Set...) takes a few stack frames on both sides: much
   * beyond ~500 the call stack may run out first, which encode() reports as ValueError too.
   */
  maxDepth?: number;
  /**
   * Largest message encode() builds, in bytes: a larger one throws LimitError (limit
   * `maxMessageSize`) as soon as its buffer would grow past this, so nothing larger is ever
   * allocated. Default: no limit. A server encodes its replies with its maxFrameSize here: a reply
   * its client could not accept becomes a LimitError reply.
   */
  maxMessageSize?: number;
  /**
   * Most objects one message may decode to: arrays, maps, bin values and extension values (Map,
   * Set, reference, error, bigint, Date...; a container extension counts twice, for its payload
   * array). Each costs tens of bytes of memory for one to three bytes on the wire, so a message
   * full of empty maps (`0x80`) would otherwise take some 40 times its size in memory and seconds to
   * build. Checked by the pre-scan, before anything is allocated. Default 1 Mi (1_048_576). Strings
   * and numbers do not count.
   */
  maxObjects?: number;
  /**
   * Beyond the first 4096 objects, a message must carry at least this many bytes per object: one of
   * n bytes may decode to at most min(maxObjects, 4096 + n / bytesPerObject) objects, so that a
   * small message stays a small amount of work. Default 2 (an empty array is 1 byte, `[1]` 2, an
   * empty Set 3). 0 = no such ratio (only maxObjects).
   */
  bytesPerObject?: number;
}

export const DEFAULT_CODEC_OPTIONS: Readonly<Required<CodecOptions>> = Object.freeze({
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

/** How proxies/references cross the wire; supplied by the server or client that owns the codec. */
export interface RefHooks {
  /**
   * Called for every object being encoded before generic handling: return a WireRef if this
   * value is a reference (a proxy, a ServerRef, ...), else undefined. Must be cheap. Called for
   * every object and function (arrays, Maps, Dates, class instances), never for primitives.
   */
  toWire(value: object): WireRef | undefined;
  /**
   * Turns a decoded WireRef into what the receiver should see (a proxy, a ServerRef, ...).
   * It runs in the middle of decode(), once per reference, in message order. It may call this
   * Codec again: a nested call gets fresh Encoders/Decoders and never re-enters the ones in use.
   * Whatever it throws surfaces as a ProtocolError whose `cause` is the original. The message's
   * framing and limits are checked before any fromWire call; a malformed value found later in the
   * same message (a map key that is not a string, a bad extension payload) makes decode() throw
   * after fromWire has already run for the references before it.
   */
  fromWire(ref: WireRef): unknown;
}

export class Codec {
  readonly #hooks: RefHooks | undefined;
  readonly #options: Readonly<Required<CodecOptions>>;
  readonly #extensions: WireExtensions;
  /** Index n encodes the payloads of extensions nested n deep (0: whole messages); made on demand. */
  #encoders: LevelEncoder[] = [];
  /** Encodes flat messages (most of them) instead of the msgpack Encoder: see flatEncode.ts. */
  readonly #flat: FlatEncoder;
  #decoders: LevelDecoder[] = [];
  #encoding = false;
  /** What encodeForSend() leaves out of the encoder buffer (see gatherLargeBinaries). */
  readonly #gathering: Gathering = { active: false, slots: [] };
  #decoding = false;
  /** The input being decoded was handed over (decodeOwned): large bins may stay views into it. */
  #inputOwned = false;
  /** The last decodeOwned() kept a view into its input (which then cannot go back to the pool). */
  #viewKept = false;

  constructor(hooks?: RefHooks, options?: CodecOptions) {
    this.#hooks = hooks;
    this.#options = codecSettings(options);
    this.#flat = new FlatEncoder(this.#options.maxDepth, this.#options.maxMessageSize);
    const payloads: PayloadCoder = {
      encodePayload: (payload, from, depth) => this.#encodePayload(payload, from, depth),
      decodePayload: (data, from) => this.#decodePayload(data, from),
    };
    this.#extensions = new WireExtensions(hooks, this.#options.maxDepth, payloads);
  }

  /**
   * One reused msgpack Encoder: returns a fresh Uint8Array (a copy, safe to keep). Throws
   * TypeError for a value that cannot be encoded (function, symbol, Promise, ...), ValueError for
   * one nested deeper than maxDepth, or what a toWire hook or a getter threw; the Codec stays usable.
   */
  encode(value: unknown): Uint8Array {
    return ownBytes(this.#encodeView(value));
  }

  /**
   * As encode(), without the copy for a small message: one of up to SHARED_ENCODING_MAX bytes comes
   * back as a view into this Codec's reused buffer, valid only until its next encode, so send or
   * copy it at once (Connection.send copies it, told it is `transient`). A larger message comes back
   * in a buffer of its own, as from encode().
   */
  encodeShared(value: unknown): Uint8Array {
    const bytes = this.#encodeView(value);
    return bytes.length <= SHARED_ENCODING_MAX ? bytes : ownBytes(bytes);
  }

  /**
   * As encodeShared(), but Uint8Arrays of 256 KiB or more (GATHERED_MIN) in the message are not
   * copied: such a message comes back as a GatheredMessage, the encoded bytes (copied once, small)
   * with those arrays' own bytes between them, to be written one after another. Neither the
   * arrays nor the message may be modified until it has been written.
   */
  encodeForSend(value: unknown): OutboundMessage {
    if (this.#encoding) return this.encodeShared(value); // from inside a toWire hook: nested, not gathered
    const flat = this.#flat.encode(value); // nothing to gather in a flat message
    if (flat !== undefined) return flat;
    const gathering = this.#gathering;
    gathering.active = true;
    if (gathering.slots.length > 0) gathering.slots = [];
    let bytes: Uint8Array;
    try {
      bytes = this.#encodeView(value);
    } catch (error) {
      gathering.slots = [];
      throw error;
    } finally {
      gathering.active = false;
    }
    const slots = gathering.slots;
    if (slots.length === 0) return bytes.length <= SHARED_ENCODING_MAX ? bytes : ownBytes(bytes);
    gathering.slots = [];
    const own = Buffer.from(bytes); // what the encoder wrote, without the large arrays: small
    if (largeBuffers.lends(bytes.buffer)) largeBuffers.give(bytes.buffer);
    const parts: Uint8Array[] = [];
    let from = 0;
    for (const slot of slots) {
      if (slot.at > from) parts.push(own.subarray(from, slot.at));
      parts.push(slot.data);
      from = slot.at;
    }
    if (from < own.length) parts.push(own.subarray(from));
    return new GatheredMessage(parts);
  }

  /** The message as a view into the Encoder's buffer (reused, unless the message is large). */
  #encodeView(value: unknown): Uint8Array {
    if (this.#encoding) return this.#fresh().encode(value); // from inside a toWire hook
    const flat = this.#flat.encode(value);
    if (flat !== undefined) return flat;
    this.#encoding = true;
    try {
      const { encoder, level } = this.#encoderAt(0);
      level.base = 0;
      const bytes = encoder.encodeSharedRef(value);
      // Encoders keep the largest buffer they ever needed: let one large message's go. A buffer from
      // the pool of large buffers goes with the message (the connection gives it back once written).
      if (bytes.length > RETAINED_BUFFER_LIMIT || largeBuffers.lends(bytes.buffer)) this.#encoders = [];
      return bytes;
    } catch (error) {
      // A message that failed half-way may have grown the buffer (up to maxMessageSize): let it go.
      if (this.#encoders.some((entry) => encoderBufferSize(entry.encoder) > RETAINED_BUFFER_LIMIT)) this.#encoders = [];
      if (isStackOverflow(error)) {
        throw new ValueError(`cannot encode a value nested this deep: the call stack ran out before maxDepth (${this.#options.maxDepth})`);
      }
      throw error;
    } finally {
      this.#encoding = false;
    }
  }

  /**
   * As decode(), for `bytes` the caller hands over: nothing will ever write to them again (a frame
   * just received). A large bin value that is most of them comes back as a view into them rather
   * than a copy (a Uint8Array all the same). Smaller ones are copied, so as not to keep the rest alive.
   * Bytes lent by the pool of large buffers (a message received in chunks) go back to it once
   * decoded, unless a value is a view into them: the caller must not touch them afterwards.
   */
  decodeOwned(bytes: Uint8Array): unknown {
    if (this.#decoding) return this.#fresh().decodeOwned(bytes); // from inside a fromWire hook
    this.#inputOwned = true;
    this.#viewKept = false;
    let value: unknown;
    try {
      value = this.decode(bytes);
    } finally {
      this.#inputOwned = false;
    }
    if (!this.#viewKept) {
      if (largeBuffers.lends(bytes.buffer)) largeBuffers.give(bytes.buffer);
    } else noteBufferHandedOut(bytes.buffer.byteLength); // see lib/buffers/youngRelease.ts
    return value;
  }

  /**
   * One reused Decoder. Throws ProtocolError for ANY malformed input, limit exceeded, bad
   * extension payload, trailing bytes — never anything else. Bin values come back as fresh
   * Uint8Arrays (copies: `bytes` may be reused afterwards).
   */
  decode(bytes: Uint8Array): unknown {
    if (this.#decoding) return this.#fresh().decode(bytes); // from inside a fromWire hook
    this.#decoding = true;
    let large = false;
    try {
      // Most messages hold only what decodeFlat handles; it checks them as the scan would.
      const flat = decodeFlat(bytes, this.#options);
      if (flat !== NOT_FLAT) return flat;
      scanMessage(bytes, this.#options);
      large = bytes.length > RETAINED_BUFFER_LIMIT;
      return this.#decoderAt(0).decoder.decode(bytes);
    } catch (error) {
      throw error instanceof ProtocolError ? error : new ProtocolError(`undecodable message: ${describe(error)}`, { cause: error });
    } finally {
      this.#decoding = false;
      // Decoders keep a view of the last bytes they read: let a large message go (the decoders
      // stay: see forgetDecodedInput).
      if (large) for (const entry of this.#decoders) forgetDecodedInput(entry.decoder);
    }
  }

  #fresh(): Codec {
    return new Codec(this.#hooks, this.#options);
  }

  #encodePayload(payload: unknown[], from: Level, depth: number): Uint8Array {
    const { encoder, level } = this.#encoderAt(from.index + 1);
    // The payload array stands for the extension, at `depth`; the Encoder counts it as its depth 1.
    level.base = depth - 1;
    // A view into that Encoder's buffer: the outer Encoder copies it before anything else runs.
    return encoder.encodeSharedRef(payload);
  }

  #decodePayload(data: Uint8Array, from: Level): unknown[] {
    const payload = this.#decoderAt(from.index + 1).decoder.decode(data);
    if (!Array.isArray(payload)) throw new ProtocolError('an extension payload is not an array');
    return payload;
  }

  #encoderAt(index: number): LevelEncoder {
    let entry = this.#encoders[index];
    if (entry === undefined) {
      const level: Level = { index, base: 0, depth: 0 };
      // msgpack's own depth check (local to each Encoder) is only a backstop: the extensions check
      // the depth in the whole message, of containers only, before msgpack's check could fire.
      const encoder = new Encoder<Level>({
        extensionCodec: this.#extensions,
        context: level,
        maxDepth: this.#options.maxDepth + 1,
      });
      observeObjectDepth(encoder, (depth) => {
        level.depth = depth;
      });
      keepNegativeZero(encoder);
      sizeLargeBinariesClosely(encoder);
      limitEncodedSize(encoder, this.#options.maxMessageSize);
      // Installed last, so it runs first: a large Uint8Array left out of the buffer is not counted by
      // limitEncodedSize (it costs no memory here); the peer's announced limit bounds the whole message.
      // Only the message's own encoder: an extension payload is copied into it anyway.
      if (index === 0) gatherLargeBinaries(encoder, this.#gathering);
      entry = { encoder, level };
      this.#encoders[index] = entry;
    }
    return entry;
  }

  #decoderAt(index: number): LevelDecoder {
    let entry = this.#decoders[index];
    if (entry === undefined) {
      const { maxStrLength, maxBinLength, maxArrayLength, maxMapLength, maxExtLength } = this.#options;
      const level: Level = { index, base: 0, depth: 0 };
      const decoder = new Decoder<Level>({
        extensionCodec: this.#extensions,
        context: level,
        maxStrLength,
        maxBinLength,
        maxArrayLength,
        maxMapLength,
        maxExtLength,
      });
      copyDecodedBinaries(
        decoder,
        (view) => {
          const keep = this.#inputOwned && view.byteLength >= VIEW_KEPT_MIN && view.byteLength * 2 >= view.buffer.byteLength;
          if (keep) this.#viewKept = true;
          return keep;
        },
      );
      entry = { decoder, level };
      this.#decoders[index] = entry;
    }
    return entry;
  }
}

/** Messages larger than this, in bytes, do not leave their buffers behind in the reused coders. */
const RETAINED_BUFFER_LIMIT = 1024 * 1024;

/** encodeShared() returns messages of up to this many bytes as views into the reused buffer. */
export const SHARED_ENCODING_MAX = 16 * 1024;

/** decodeOwned() keeps bin values at least this large as views (when they are most of the input). */
const VIEW_KEPT_MIN = 64 * 1024;

/**
 * Bytes that are the caller's alone: a large message's own buffer (its Encoder was let go) when it
 * came from the pool of large buffers or is little larger than the message, else a copy (out of the
 * reused buffer, or so as not to keep a much larger buffer alive while the message waits to be sent).
 */
function ownBytes(view: Uint8Array): Uint8Array {
  const own =
    largeBuffers.lends(view.buffer) || (view.length > RETAINED_BUFFER_LIMIT && view.buffer.byteLength <= view.length + view.length / 4);
  return own ? view : view.slice();
}

interface LevelEncoder {
  encoder: Encoder<Level>;
  level: Level;
}

interface LevelDecoder {
  decoder: Decoder<Level>;
  level: Level;
}

function codecSettings(options: CodecOptions | undefined): Readonly<Required<CodecOptions>> {
  if (options === undefined) return DEFAULT_CODEC_OPTIONS; // every client session of a manager without codec options
  const settings = { ...DEFAULT_CODEC_OPTIONS };
  for (const key of Object.keys(DEFAULT_CODEC_OPTIONS) as (keyof CodecOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const minimum = key === 'maxDepth' ? 1 : 0;
    const unlimited = key === 'maxMessageSize' && value === Infinity;
    if (!unlimited && (!Number.isInteger(value) || value < minimum)) {
      throw new ValueError(`codec option ${key} must be an integer >= ${minimum}, not ${String(value)}`);
    }
    settings[key] = value;
  }
  return Object.freeze(settings);
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
