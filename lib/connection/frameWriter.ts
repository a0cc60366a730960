// The outbound side of a connection: frames a payload and queues it on the socket, so that all the
// frames a connection sends in one event-loop turn leave in one write (small ones laid out in a
// process-wide slab, large ones written as they are, pooled large buffers given back once written).
import type net from 'node:net';
import createDebug from 'debug';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import { FRAME_HEADER_SIZE, frameHeader } from './framing.js';

const debug = createDebug('mpmanagers:connection');

/**
 * Payloads of up to this many bytes are copied into the shared frame slab when sent (a copy that
 * small costs less than the allocations it saves); larger ones are written as they are.
 */
export const BATCHED_PAYLOAD_MAX = 16 * 1024;
/** Size of each slab small frames are laid out in. */
const SLAB_SIZE = 64 * 1024;

/** Whoever the slab hands a run of frames to: a FrameWriter, which writes it to its socket. */
interface FrameRunWriter {
  writeFrameRun(run: Buffer): void;
}

/**
 * Lays small frames (header + payload) out back to back in one process-wide slab, so that the
 * frames a connection sends in one event-loop turn leave as one chunk, with no allocation per
 * frame and no slab kept per connection (10,000 idle connections share one). Only the connection
 * that appended last can have a run not yet handed out: another connection appending hands it out
 * first, so each connection's frames stay in order. A run handed out is never written over (a full
 * slab is replaced, not reused), so the socket may keep it until it is sent.
 */
class FrameSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  private used = 0;
  private runStart = 0;
  private runOwner: FrameRunWriter | undefined;

  /** Appends the frame of `payload` (at most BATCHED_PAYLOAD_MAX bytes) to `owner`'s run. */
  append(owner: FrameRunWriter, payload: Uint8Array): void {
    const size = FRAME_HEADER_SIZE + payload.length;
    if (this.runOwner !== owner) this.handOut();
    if (this.used + size > this.slab.length) {
      this.handOut();
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, size));
      this.used = this.runStart = 0;
    }
    this.runOwner = owner;
    this.slab.writeInt32BE(payload.length, this.used);
    this.slab.set(payload, this.used + FRAME_HEADER_SIZE);
    this.used += size;
  }

  /** Hands `owner` its run now, if it has one. */
  flush(owner: FrameRunWriter): void {
    if (this.runOwner === owner) this.handOut();
  }

  /** Forgets `owner`'s run (its connection is gone). */
  discard(owner: FrameRunWriter): void {
    if (this.runOwner !== owner) return;
    this.runOwner = undefined;
    this.runStart = this.used;
  }

  /** Bytes of `owner`'s run not yet handed out. */
  pending(owner: FrameRunWriter): number {
    return this.runOwner === owner ? this.used - this.runStart : 0;
  }

  private handOut(): void {
    const owner = this.runOwner;
    if (owner === undefined) return;
    this.runOwner = undefined;
    const run = this.slab.subarray(this.runStart, this.used);
    this.runStart = this.used;
    owner.writeFrameRun(run);
  }
}

/** The slab every connection of this process batches its small frames in. */
const frameSlab = new FrameSlab();

/** Frames a connection sends, onto its socket. Its owner decides whether sending is allowed. */
export class FrameWriter implements FrameRunWriter {
  private corked = false;

  /** `owner` names the peer in log lines. */
  constructor(
    private readonly socket: net.Socket,
    private readonly owner: { readonly remoteLabel: string },
  ) {}

  /** Bytes queued for the socket but not yet handed to the kernel (for backpressure). */
  get bufferedBytes(): number {
    return this.socket.writableLength + frameSlab.pending(this);
  }

  /**
   * Frames and queues `payload` (see Connection.send for `transient` and pooled buffers). Throws
   * ProtocolError for a payload over 2^31-1 bytes.
   */
  write(payload: Uint8Array, transient: boolean): void {
    const header = payload.length > BATCHED_PAYLOAD_MAX ? frameHeader(payload.length) : undefined;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(FrameWriter.uncork, this);
    }
    if (header === undefined) {
      frameSlab.append(this, payload);
      return;
    }
    frameSlab.flush(this); // the frames sent before this one go first
    this.socket.write(header);
    if (transient) this.socket.write(Buffer.from(payload));
    else if (largeBuffers.lends(payload.buffer)) this.socket.write(payload, () => largeBuffers.give(payload.buffer));
    else this.socket.write(payload);
  }

  /** Hands the socket whatever this writer has in the slab (before ending the socket). */
  flush(): void {
    frameSlab.flush(this);
  }

  /** Forgets what this writer has in the slab (the socket is being destroyed). */
  discard(): void {
    frameSlab.discard(this);
  }

  /** Writes a run of this writer's small frames, handed out by the frame slab. */
  writeFrameRun(run: Buffer): void {
    if (this.socket.writable) this.socket.write(run);
    else debug('%s: %d bytes of frames dropped: the socket is no longer writable', this.owner.remoteLabel, run.length);
  }

  private static readonly uncork = (writer: FrameWriter): void => {
    frameSlab.flush(writer);
    writer.corked = false;
    writer.socket.uncork();
  };
}
