// Messages sent in chunks (docs/protocol.md §1.1): a large message travels as a run of chunk frames,
// so that other frames of the same connection go between them and no message waits for a whole
// large one. Pure functions and the receiving side's reassembler; the sending side is FrameWriter.
import { ProtocolError } from '../errors.js';

/** Messages larger than this go in chunks (when the peer has said it takes them). */
export const CHUNK_THRESHOLD = 256 * 1024;
/** Message bytes carried by each chunk frame (the last one may carry fewer). */
export const CHUNK_DATA_SIZE = 256 * 1024;
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
 * sender of the ack has received. Sent back for every chunk received.
 */
export const CHUNK_ACK = 0x02;
/**
 * Chunk data bytes a side may have sent and not yet seen acknowledged. The kernel's socket buffers
 * on loopback hold megabytes: without a window, a small message written after a chunk could still
 * wait behind all that the kernel holds. With it, behind at most this much.
 */
export const CHUNK_WINDOW = 4 * CHUNK_DATA_SIZE;
/** Bytes before the data in a first chunk frame's payload, and in a following one's. */
export const FIRST_CHUNK_PREFIX = 6;
export const NEXT_CHUNK_PREFIX = 2;
/** The largest chunk frame payload a sender of this version writes. */
export const CHUNK_FRAME_MAX = FIRST_CHUNK_PREFIX + CHUNK_DATA_SIZE;

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

/** The payload of an acknowledgement of `bytes` chunk data bytes (a small frame: sent like any message). */
export function chunkAck(bytes: number): Uint8Array {
  const payload = new Uint8Array(6);
  payload[0] = CHUNK_MARKER;
  payload[1] = CHUNK_ACK;
  new DataView(payload.buffer).setUint32(2, bytes);
  return payload;
}

/**
 * Reassembles the messages a peer sends in chunks. One message at a time per direction: a first
 * chunk while one is open, a following chunk with none open, an empty chunk or one carrying more
 * than the message still misses are protocol errors. The total a first chunk announces is checked
 * against `maxMessageSize` before the message's buffer is allocated; that buffer, filled as chunks
 * come, is handed out whole (no further copy).
 */
export class ChunkAssembler {
  private message: Buffer | undefined;
  private filled = 0;

  constructor(public maxMessageSize: number) {}

  /** Bytes of the message being reassembled received so far (0 when none is open). */
  get buffered(): number {
    return this.message === undefined ? 0 : this.filled;
  }

  /** Chunk data bytes taken by the last accept() (to acknowledge). */
  lastDataLength = 0;

  /**
   * Takes one chunk frame's payload (read only during the call: its data is copied into the
   * message). Returns the message it completes, if it completes one. Throws ProtocolError.
   */
  accept(payload: Uint8Array): Buffer | undefined {
    if (payload.length < NEXT_CHUNK_PREFIX || payload[0] !== CHUNK_MARKER) throw new ProtocolError('malformed chunk frame');
    let data: Uint8Array;
    if (payload[1] === CHUNK_FIRST) {
      if (this.message !== undefined) throw new ProtocolError('a chunked message began before the previous one was complete');
      if (payload.length < FIRST_CHUNK_PREFIX) throw new ProtocolError('malformed first chunk frame');
      const total = ((payload[2] << 24) >>> 0) + (payload[3] << 16) + (payload[4] << 8) + payload[5];
      if (total > this.maxMessageSize) {
        throw new ProtocolError(`a chunked message of ${total} bytes exceeds the ${this.maxMessageSize}-byte limit`);
      }
      if (total === 0) throw new ProtocolError('a chunked message announces 0 bytes');
      data = payload.subarray(FIRST_CHUNK_PREFIX);
      if (data.length === 0) throw new ProtocolError('an empty chunk');
      if (data.length > total) throw new ProtocolError(`a chunk carries more than the ${total} bytes its message announced`);
      if (data.length === total) return Buffer.from(data); // a message in one chunk: legal, if pointless
      this.message = Buffer.allocUnsafe(total);
      this.filled = 0;
    } else if (payload[1] === CHUNK_NEXT) {
      if (this.message === undefined) throw new ProtocolError('a following chunk with no chunked message begun');
      data = payload.subarray(NEXT_CHUNK_PREFIX);
      if (data.length === 0) throw new ProtocolError('an empty chunk');
      if (data.length > this.message.length - this.filled) {
        throw new ProtocolError(`a chunk carries more than the ${this.message.length}-byte message it belongs to misses`);
      }
    } else {
      throw new ProtocolError(`unknown chunk kind ${payload[1]}`);
    }
    this.lastDataLength = data.length;
    const message = this.message;
    message.set(data, this.filled);
    this.filled += data.length;
    if (this.filled < message.length) return undefined;
    this.message = undefined;
    this.filled = 0;
    return message;
  }

  /** Lets go of a message being reassembled (the connection has ended). */
  reset(): void {
    this.message = undefined;
    this.filled = 0;
  }
}
