// Messages sent in chunks (docs/protocol.md §1.1): a large message travels as a run of chunk frames,
// so that other frames of the same connection go between them and no message waits for a whole
// large one. Pure functions and the receiving side's reassembler; the sending side is FrameWriter.
import { ProtocolError } from '../errors.js';
import { POOLED_MIN, largeBuffers } from '../buffers/largeBufferPool.js';

/** Messages larger than this go in chunks (when the peer has said it takes them). */
export const CHUNK_THRESHOLD = 256 * 1024;
/** Message bytes carried by each chunk frame (the last one may carry fewer, or up to CHUNK_TAIL_MAX more). */
export const CHUNK_DATA_SIZE = 256 * 1024;
/**
 * A message's last chunk also carries what is left after it, up to this many bytes, rather than
 * leave them to a chunk of their own: a 1 MiB value's reply is 1 MiB and a few bytes of envelope,
 * which went as four full chunks and a fifth of 11 bytes, one more frame and event-loop turn, and
 * that fifth chunk was over the window until the receiver's acknowledgement came back.
 */
export const CHUNK_TAIL_MAX = 16 * 1024;
/**
 * First byte of every chunk frame: 0xc1 is the one byte msgpack never uses, so no message (a
 * msgpack array, 0x9X or 0xdc/0xdd) can be mistaken for a chunk.
 */
export const CHUNK_MARKER = 0xc1;
/** Second byte: the first chunk of a message, followed by its total size (uint32 big-endian). */
export const CHUNK_FIRST = 0x00;
/** Second byte: a following chunk. */
export const CHUNK_NEXT = 0x01;
/**
 * Second byte: an acknowledgement, followed by a uint32 big-endian count of chunk data bytes the
 * sender of the ack has received (since its last acknowledgement; see CHUNK_ACK_EVERY).
 */
export const CHUNK_ACK = 0x02;
/**
 * Chunk data bytes a side may have sent and not yet seen acknowledged. The kernel's socket buffers
 * on loopback hold megabytes: without a window, a small message written after a chunk could still
 * wait behind all that the kernel holds. With it, behind at most this much. 512 KiB rather than
 * 1 MiB (until session 6): a small call's p99 under 32 MiB transfers fell by about a fifth, and
 * large gets were no slower (docs/performance.md, "Session 6: a smaller chunk window").
 */
export const CHUNK_WINDOW = 2 * CHUNK_DATA_SIZE;
/**
 * What a sender actually lets out unacknowledged: the window and a last chunk's tail, so that a
 * message of up to the window and its envelope never waits for an acknowledgement.
 */
export const CHUNK_WINDOW_SENT = CHUNK_WINDOW + CHUNK_TAIL_MAX;
/**
 * What a sender lets out unacknowledged while other messages are flowing beside its chunks (one
 * written in the last CHUNK_INTERACTIVE_MS): one chunk and a tail, not the window, so that a small
 * message waits in the kernel behind at most one chunk. Only away from a message's end: once what is
 * unacknowledged and what is left of the message fit in CHUNK_WINDOW_SENT, a receiver withholds its
 * acknowledgement until the message is complete (ChunkReceiver), and the sender must let it all out.
 * A choice of the sender alone (the receiver acknowledges as ever), so peers of any version agree.
 * Measured: a small call's p99 beside 32 MiB transfers (docs/performance.md, "Session 7").
 */
export const CHUNK_INTERACTIVE_SENT = CHUNK_DATA_SIZE + CHUNK_TAIL_MAX;
/** How long after another message was sent beside chunks the sender keeps to CHUNK_INTERACTIVE_SENT. */
export const CHUNK_INTERACTIVE_MS = 10;
/**
 * A receiver acknowledges the chunk data it has received once this much is unacknowledged, and
 * when a message is complete: the sender, allowed CHUNK_WINDOW, always has room for more.
 */
export const CHUNK_ACK_EVERY = CHUNK_WINDOW / 2;
/**
 * Chunk frames of at least this many bytes are streamed into their message as their bytes arrive
 * (Connection, FrameParser's `stream`); smaller ones (acknowledgements, a message's short tail)
 * are taken whole.
 */
export const STREAMED_CHUNK_MIN = 1024;
/** Bytes before the data in a first chunk frame's payload, and in a following one's. */
export const FIRST_CHUNK_PREFIX = 6;
export const NEXT_CHUNK_PREFIX = 2;
/** The largest chunk frame payload a sender of this version writes. */
export const CHUNK_FRAME_MAX = FIRST_CHUNK_PREFIX + CHUNK_DATA_SIZE + CHUNK_TAIL_MAX;

/**
 * Data bytes of the next chunk of a message of which `left` bytes are still to be sent. A message's
 * first chunk never takes a tail: a message of up to CHUNK_DATA_SIZE + CHUNK_TAIL_MAX bytes still
 * goes as two chunks, so that its frames stay smaller than the message (within a peer's limit).
 */
export function nextChunkLength(left: number, first: boolean): number {
  return !first && left <= CHUNK_DATA_SIZE + CHUNK_TAIL_MAX ? left : Math.min(left, CHUNK_DATA_SIZE);
}

/** Whether a post-handshake frame payload is a chunk frame rather than a whole message. */
export function isChunkFrame(payload: Uint8Array): boolean {
  return payload.length > 0 && payload[0] === CHUNK_MARKER;
}

/**
 * The frame header and chunk prefix that go before `dataLength` bytes of a message of `total`
 * bytes: one small buffer, written ahead of the data (which is written from the message as it is).
 */
export function chunkFramePrefix(first: boolean, total: number, dataLength: number): Buffer {
  const prefixLength = first ? FIRST_CHUNK_PREFIX : NEXT_CHUNK_PREFIX;
  const bytes = Buffer.allocUnsafe(4 + prefixLength);
  bytes.writeInt32BE(prefixLength + dataLength, 0);
  bytes[4] = CHUNK_MARKER;
  bytes[5] = first ? CHUNK_FIRST : CHUNK_NEXT;
  if (first) bytes.writeUInt32BE(total, 6);
  return bytes;
}

/** Whether a chunk frame's payload is an acknowledgement; returns the bytes it acknowledges, or -1. */
export function chunkAckBytes(payload: Uint8Array): number {
  if (payload[1] !== CHUNK_ACK) return -1;
  if (payload.length !== 6) throw new ProtocolError('malformed chunk acknowledgement');
  return ((payload[2] << 24) >>> 0) + (payload[3] << 16) + (payload[4] << 8) + payload[5];
}

/**
 * The payload of an acknowledgement of `bytes` chunk data bytes (a small frame: sent like any
 * message, which copies it). One buffer, rewritten for each: the client sends one per chunk it
 * receives, and a fresh array (with a DataView over it) per chunk showed in its profile.
 */
export function chunkAck(bytes: number): Uint8Array {
  ackPayload[2] = bytes >>> 24;
  ackPayload[3] = (bytes >>> 16) & 0xff;
  ackPayload[4] = (bytes >>> 8) & 0xff;
  ackPayload[5] = bytes & 0xff;
  return ackPayload;
}

const ackPayload = Buffer.from([CHUNK_MARKER, CHUNK_ACK, 0, 0, 0, 0]);

/**
 * Reassembles the messages a peer sends in chunks. One message at a time per direction: a first
 * chunk while one is open, a following chunk with none open, an empty chunk or one carrying more
 * than the message still misses are protocol errors. The total a first chunk announces is checked
 * against `maxMessageSize` before the message's buffer is allocated; that buffer, filled as chunks
 * come, is handed out whole (no further copy).
 *
 * A chunk frame is taken whole (accept) or piece by piece as its bytes arrive (part: the frame
 * parser streams large chunk frames, so that their data is copied once, from the socket's read
 * into the message, rather than collected into a frame first and copied on).
 */
export class ChunkAssembler {
  private message: Buffer | undefined;
  private filled = 0;
  /** The chunk frame being taken: its prefix bytes (marker, kind, total), how many are in, how many it has. */
  private readonly prefix = new Uint8Array(FIRST_CHUNK_PREFIX);
  private prefixFilled = 0;
  private prefixLength = 0;

  constructor(public maxMessageSize: number) {}

  /** Bytes of the message being reassembled received so far (0 when none is open). */
  get buffered(): number {
    return this.message === undefined ? 0 : this.filled;
  }

  /** Bytes the message being reassembled still misses (0 when none is open). */
  get missing(): number {
    return this.message === undefined ? 0 : this.message.length - this.filled;
  }

  /** Chunk data bytes carried by the last chunk frame completed (to acknowledge). */
  lastDataLength = 0;

  /**
   * Where the current chunk frame's remaining data goes, `length` bytes of it: a view into the
   * message (for a socket to read into directly; part() then sees the bytes already in place), or
   * undefined before the frame's prefix is in.
   */
  dataSpace(length: number): Buffer | undefined {
    const message = this.message;
    if (message === undefined || this.prefixLength === 0 || this.prefixFilled < this.prefixLength) return undefined;
    return message.subarray(this.filled, Math.min(message.length, this.filled + length));
  }

  /**
   * Takes one whole chunk frame's payload (read only during the call: its data is copied into the
   * message). Returns the message it completes, if it completes one. Throws ProtocolError.
   */
  accept(payload: Uint8Array): Buffer | undefined {
    return this.part(payload, 0, payload.length);
  }

  /**
   * Takes bytes [offset, offset + piece.length) of a chunk frame of `length` payload bytes (pieces
   * come in order, the first at offset 0; read only during the call). Returns the message that the
   * frame's last piece completes, if it completes one. Throws ProtocolError.
   */
  part(piece: Uint8Array, offset: number, length: number): Buffer | undefined {
    let at = 0;
    if (offset === 0) {
      if (length < NEXT_CHUNK_PREFIX || piece[0] !== CHUNK_MARKER) throw new ProtocolError('malformed chunk frame');
      this.prefixFilled = 0;
      this.prefixLength = 0;
    }
    while (this.prefixLength === 0 || this.prefixFilled < this.prefixLength) {
      if (at === piece.length) return undefined; // the rest of the prefix comes with the next piece
      this.prefix[this.prefixFilled++] = piece[at++];
      if (this.prefixFilled === 2) this.prefixLength = this.beginKind(length);
    }
    if (this.prefixFilled === this.prefixLength && at > 0) this.beginData(length - this.prefixLength);
    const message = this.message!;
    const data = at === 0 ? piece : piece.subarray(at);
    if (data.length > 0) {
      // Bytes a socket read straight into the message (see dataSpace) are where they belong already.
      const inPlace = data.buffer === message.buffer && data.byteOffset === message.byteOffset + this.filled;
      if (!inPlace) message.set(data, this.filled);
      this.filled += data.length;
    }
    if (offset + piece.length < length) return undefined;
    this.lastDataLength = length - this.prefixLength;
    this.prefixLength = 0;
    if (this.filled < message.length) return undefined;
    this.message = undefined;
    this.filled = 0;
    return message;
  }

  /** Lets go of a message being reassembled (the connection has ended). */
  reset(): void {
    this.message = undefined;
    this.filled = 0;
    this.prefixFilled = 0;
    this.prefixLength = 0;
  }

  /** The frame's kind is in (its second byte): how many prefix bytes it has. */
  private beginKind(length: number): number {
    const kind = this.prefix[1];
    if (kind === CHUNK_FIRST) {
      if (this.message !== undefined) throw new ProtocolError('a chunked message began before the previous one was complete');
      if (length < FIRST_CHUNK_PREFIX) throw new ProtocolError('malformed first chunk frame');
      return FIRST_CHUNK_PREFIX;
    }
    if (kind === CHUNK_NEXT) {
      if (this.message === undefined) throw new ProtocolError('a following chunk with no chunked message begun');
      return NEXT_CHUNK_PREFIX;
    }
    throw new ProtocolError(`unknown chunk kind ${kind}`);
  }

  /** The frame's prefix is in: checks its data length (and a first chunk's total), and makes the message's buffer. */
  private beginData(dataLength: number): void {
    if (this.prefix[1] === CHUNK_FIRST) {
      const p = this.prefix;
      const total = ((p[2] << 24) >>> 0) + (p[3] << 16) + (p[4] << 8) + p[5];
      if (total > this.maxMessageSize) {
        throw new ProtocolError(`a chunked message of ${total} bytes exceeds the ${this.maxMessageSize}-byte limit`);
      }
      if (total === 0) throw new ProtocolError('a chunked message announces 0 bytes');
      if (dataLength === 0) throw new ProtocolError('an empty chunk');
      if (dataLength > total) throw new ProtocolError(`a chunk carries more than the ${total} bytes its message announced`);
      // From the pool of large buffers, at most a quarter larger (a value that stays a view into the
      // message keeps it all alive): the codec gives it back if nothing decoded from it is a view.
      this.message = total >= POOLED_MIN ? pooledMessage(total) : Buffer.allocUnsafe(total);
      this.filled = 0;
      return;
    }
    const message = this.message!;
    if (dataLength === 0) throw new ProtocolError('an empty chunk');
    if (dataLength > message.length - this.filled) {
      throw new ProtocolError(`a chunk carries more than the ${message.length}-byte message it belongs to misses`);
    }
  }
}

/** A buffer of `total` bytes for a message, lent by the pool of large buffers (see beginData). */
function pooledMessage(total: number): Buffer {
  const buffer = largeBuffers.take(total, total + total / 4);
  return Buffer.from(buffer, 0, total);
}
