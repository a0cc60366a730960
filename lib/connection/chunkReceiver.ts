// The receiving half of chunked messages on one connection (docs/protocol.md §1.1): assembles chunk
// frames into their message, acknowledges the data back to the sender, and says where a socket
// should read next so a large chunk's data lands in its message without a copy in JavaScript.
import { CHUNK_ACK_EVERY, CHUNK_WINDOW_SENT, ChunkAssembler, chunkAckBytes } from './chunks.js';
import type { FrameWriter } from './frameWriter.js';
import { READ_BUFFER } from './sockets.js';

/** Below this, the rest of a chunk frame is read into READ_BUFFER and copied, rather than read in place. */
const IN_PLACE_READ_MIN = 4096;
/** READ_BUFFER's start, for a read between two chunks (see readSpace). */
const READ_BUFFER_BETWEEN_CHUNKS = READ_BUFFER.subarray(0, 8192);

export class ChunkReceiver {
  private assembler: ChunkAssembler | undefined;
  /** Data bytes received and not yet acknowledged (see acknowledge). */
  private bytesToAck = 0;

  constructor(
    private readonly maxMessageSize: number,
    private readonly writer: FrameWriter,
    /** False once the connection is closed: nothing more is written then. */
    private readonly isOpen: () => boolean,
  ) {}

  /** Bytes received so far of a message coming in chunks. */
  get buffered(): number {
    return this.assembler?.buffered ?? 0;
  }

  /**
   * A whole chunk frame (small ones, taken at once) or an acknowledgement of ours: the message it
   * completes, if any. Throws ProtocolError for a bad chunk or an oversize total.
   */
  whole(frame: Buffer): Buffer | undefined {
    const acked = chunkAckBytes(frame);
    if (acked >= 0) {
      this.writer.acknowledged(acked);
      return undefined;
    }
    const assembler = this.assemblerFor();
    const message = assembler.accept(frame);
    this.acknowledge(assembler.lastDataLength, message !== undefined);
    return message;
  }

  /** A piece of a large chunk frame streamed from the parser: the message, once it is complete. */
  part(piece: Buffer, offset: number, length: number): Buffer | undefined {
    const assembler = this.assemblerFor();
    const message = assembler.part(piece, offset, length);
    if (offset + piece.length < length) return undefined;
    this.acknowledge(assembler.lastDataLength, message !== undefined);
    return message;
  }

  /**
   * Where a socket made by connect() reads next, `missing` being the bytes the parser still waits
   * for in the current frame: while the data of a large chunk frame is coming, straight into the
   * message (as much as the frame still carries, so the read stops at its end); otherwise READ_BUFFER.
   */
  readSpace(missing: number): Uint8Array {
    const assembler = this.assembler;
    if (assembler === undefined) return READ_BUFFER;
    if (missing >= IN_PLACE_READ_MIN) {
      const space = assembler.dataSpace(missing);
      if (space !== undefined && space.length === missing) return space;
    }
    // Between two chunks of a message: a short read, so that little of the next chunk's data comes
    // with its prefix (to be copied) before the rest is read in place.
    return assembler.buffered > 0 ? READ_BUFFER_BETWEEN_CHUNKS : READ_BUFFER;
  }

  /** Drops a message half received (the connection stops). */
  reset(): void {
    this.assembler?.reset();
  }

  /**
   * Acknowledges a chunk's `dataLength` bytes: with those of the chunks before it, once half the
   * sender's window is unacknowledged (a chunk, with the 512 KiB window) or the message is
   * `complete`, so the sender always has room. Not before the end of a message whose rest the sender
   * may send without it (what is unacknowledged and what is missing fit in the window it lets out):
   * the end's acknowledgement covers it all. A 1 MiB value's reply then costs three
   * acknowledgements, not four; on loopback each is a write that wakes the sender.
   */
  private acknowledge(dataLength: number, complete: boolean): void {
    this.bytesToAck += dataLength;
    if (!complete && this.bytesToAck < CHUNK_ACK_EVERY) return;
    if (!complete && this.bytesToAck + this.assembler!.missing <= CHUNK_WINDOW_SENT) return;
    if (this.isOpen()) this.writer.acknowledge(this.bytesToAck);
    this.bytesToAck = 0;
  }

  private assemblerFor(): ChunkAssembler {
    return (this.assembler ??= new ChunkAssembler(this.maxMessageSize));
  }
}
