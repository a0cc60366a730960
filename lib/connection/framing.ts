// Wire framing, as CPython's multiprocessing.connection: a 4-byte signed big-endian length, then
// that many payload bytes. Pure functions over buffers; no socket code lives here.
import { ProtocolError } from '../errors.js';

/** Largest frame accepted from an authenticated peer unless configured otherwise (64 MiB). */
export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;
/** Largest frame accepted before authentication (CPython reads handshake frames with `recv_bytes(256)`). */
export const HANDSHAKE_MAX_FRAME_SIZE = 256;
/** Bytes in a frame header. */
export const FRAME_HEADER_SIZE = 4;
/** Largest payload the 4-byte header can announce. CPython's -1 + 64-bit escape is not supported. */
export const MAX_PAYLOAD_SIZE = 0x7fffffff;

/** The 4-byte header announcing a payload of `length` bytes. */
export function frameHeader(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0) {
    throw new ProtocolError(`invalid frame length ${length}`);
  }
  if (length > MAX_PAYLOAD_SIZE) {
    throw new ProtocolError(`a frame of ${length} bytes is larger than the ${MAX_PAYLOAD_SIZE}-byte maximum`);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  header.writeInt32BE(length, 0);
  return header;
}

/**
 * Cuts an inbound byte stream into frame payloads. Feed it every chunk in order with `push`; it
 * keeps the incomplete remainder between chunks.
 *
 * - A header announcing a negative length, or more than `maxFrameSize` bytes, throws ProtocolError
 *   as soon as its 4 bytes are in, before any body byte is stored: nothing is allocated for it.
 *   After a throw the stream is desynchronised; the owner must drop the connection.
 * - A body spread over many chunks is kept as a list of slices and copied once, when complete.
 * - Payloads are slices of the pushed chunks (or one fresh copy); the parser never writes into
 *   them, so they stay valid as long as the caller does not reuse the chunks it pushed.
 * - With `transientChunks`, each chunk is a buffer the caller reuses for the next one (a socket
 *   reading into one buffer, see Connection): nothing is kept from it. A body spread over chunks is
 *   then copied into a buffer of its own as it arrives, allocated when its header is read (so the
 *   peer must be one whose frames of up to maxFrameSize we accept anyway), and `onFrame` learns
 *   whether its payload is its own (`owned`) or a view into the chunk, valid during the call only.
 * - If `onFrame` throws, the parser is left at the frame boundary after that frame and the rest of
 *   the chunk is not parsed; the error propagates out of `push`.
 * - If `onFrame` returns `false`, parsing stops at the frame boundary after that frame, and `push`
 *   returns how many bytes of the chunk it used: the caller keeps the rest and pushes it later
 *   (Connection does, to read no frame past the handshake at the handshake's limit).
 * - With a `stream`, a frame it takes (judged by its length and first byte) is not collected: its
 *   bytes go to the stream piece by piece, as they arrive (see FrameStream). If the stream throws,
 *   the parser is desynchronised; the owner must drop the connection.
 */
export class FrameParser {
  /** Frames longer than this are rejected. Mutable: raised once a connection is authenticated. */
  maxFrameSize: number;

  /** The header being assembled when it straddles chunks (made the first time one does). */
  private headerBytes: Buffer | undefined;
  private headerBytesFilled = 0;
  /** Length of the frame whose body is being collected; -1 while waiting for a header. */
  private bodyLength = -1;
  /** The pieces of a body spread over chunks (made the first time one is). */
  private bodyPieces: Buffer[] | undefined;
  /** With transientChunks: the body spread over chunks, copied in as they arrive. */
  private body: Buffer | undefined;
  private bodyBytesFilled = 0;
  private readonly transientChunks: boolean;
  /**
   * Frames to stream rather than collect (see FrameStream), its functions called with push()'s
   * `thisArg` as `this`. Set or changed between frames only (from onFrame, say).
   */
  stream: FrameStream | undefined;
  /** The frame whose body is coming goes to `stream` (decided at its first body byte). */
  private streaming = false;

  constructor(maxFrameSize: number, options: { transientChunks?: boolean } = {}) {
    this.maxFrameSize = maxFrameSize;
    this.transientChunks = options.transientChunks ?? false;
  }

  /** Bytes still to come of a frame being streamed (0 when none is). */
  get streamBytesMissing(): number {
    return this.streaming ? this.bodyLength - this.bodyBytesFilled : 0;
  }

  /** Bytes of the incomplete frame received so far, header included. */
  get buffered(): number {
    return this.bodyLength < 0 ? this.headerBytesFilled : FRAME_HEADER_SIZE + this.bodyBytesFilled;
  }

  /**
   * Calls `onFrame` (with `thisArg` as `this`) for each payload the chunk completes; `owned` is
   * false only for a view into a transient chunk (see the class comment). Returns the bytes of the
   * chunk used: all of them unless `onFrame` returned `false`.
   */
  push(chunk: Buffer, onFrame: (payload: Buffer, owned: boolean) => unknown, thisArg?: unknown): number {
    let offset = 0;
    for (;;) {
      if (this.bodyLength < 0) {
        if (this.headerBytesFilled === 0 && chunk.length - offset >= FRAME_HEADER_SIZE) {
          this.bodyLength = this.checkedLength(chunk.readInt32BE(offset));
          offset += FRAME_HEADER_SIZE;
        } else {
          const headerBytes = (this.headerBytes ??= Buffer.alloc(FRAME_HEADER_SIZE));
          const copied = chunk.copy(headerBytes, this.headerBytesFilled, offset, offset + FRAME_HEADER_SIZE - this.headerBytesFilled);
          this.headerBytesFilled += copied;
          offset += copied;
          if (this.headerBytesFilled < FRAME_HEADER_SIZE) return chunk.length;
          this.headerBytesFilled = 0;
          this.bodyLength = this.checkedLength(headerBytes.readInt32BE(0));
        }
      }

      const missing = this.bodyLength - this.bodyBytesFilled;
      const available = chunk.length - offset;
      if (this.stream !== undefined && missing > 0 && available > 0) {
        if (this.bodyBytesFilled === 0) this.streaming = this.stream.takes.call(thisArg, chunk[offset], this.bodyLength);
        if (this.streaming) {
          const take = Math.min(missing, available);
          const at = this.bodyBytesFilled;
          const length = this.bodyLength;
          if (take === missing) {
            // Reset before handing out the last piece, as for a whole frame.
            this.bodyLength = -1;
            this.bodyBytesFilled = 0;
            this.streaming = false;
          } else this.bodyBytesFilled += take;
          this.stream.part.call(thisArg, chunk.subarray(offset, offset + take), at, length);
          offset += take;
          if (offset === chunk.length) return offset;
          continue;
        }
      }
      if (available < missing) {
        if (available > 0) {
          if (this.body !== undefined || this.transientChunks) {
            (this.body ??= Buffer.allocUnsafe(this.bodyLength)).set(chunk.subarray(offset), this.bodyBytesFilled);
          } else (this.bodyPieces ??= []).push(chunk.subarray(offset));
          this.bodyBytesFilled += available;
        }
        return chunk.length;
      }

      let payload: Buffer;
      let owned = true;
      const pieces = this.bodyPieces;
      if (this.body !== undefined) {
        payload = this.body;
        payload.set(chunk.subarray(offset, offset + missing), this.bodyBytesFilled);
        this.body = undefined;
      } else if (pieces === undefined || pieces.length === 0) {
        payload = chunk.subarray(offset, offset + missing);
        owned = !this.transientChunks;
      } else {
        pieces.push(chunk.subarray(offset, offset + missing));
        payload = Buffer.concat(pieces, this.bodyLength);
        pieces.length = 0;
      }
      offset += missing;
      // Reset before handing out, so a throwing callback leaves the parser at a frame boundary.
      this.bodyLength = -1;
      this.bodyBytesFilled = 0;
      const more = onFrame.call(thisArg, payload, owned);
      if (more === false || offset === chunk.length) return offset;
    }
  }

  /** Lets go of a frame being collected (its connection has ended). */
  reset(): void {
    this.body = undefined;
    this.bodyPieces = undefined;
    this.streaming = false;
    this.bodyLength = -1;
    this.bodyBytesFilled = 0;
    this.headerBytesFilled = 0;
  }

  private checkedLength(length: number): number {
    if (length < 0) {
      throw new ProtocolError(
        length === -1
          ? 'frame uses the 64-bit length escape (payloads over 2 GiB are not supported)'
          : `frame header announces a negative length (${length})`,
      );
    }
    if (length > this.maxFrameSize) {
      throw new ProtocolError(`frame of ${length} bytes exceeds the ${this.maxFrameSize}-byte limit`);
    }
    return length;
  }
}

/**
 * Where a FrameParser sends the frames it streams rather than collects: large chunk frames
 * (Connection), whose data is copied straight into the message it belongs to.
 */
export interface FrameStream {
  /** Whether the frame of `length` bytes (more than 0) whose first byte is `firstByte` is streamed. */
  takes(this: unknown, firstByte: number, length: number): boolean;
  /**
   * Bytes [offset, offset + piece.length) of a streamed frame of `length` bytes, in order, the last
   * piece ending at `length`; `piece` is valid during the call only.
   */
  part(this: unknown, piece: Buffer, offset: number, length: number): void;
}
