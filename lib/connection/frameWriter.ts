// The outbound side of a connection: frames a payload and queues it on the socket, so that all the
// frames a connection sends in one event-loop turn leave in one write (small ones laid out in a
// process-wide slab, large ones written as they are, pooled large buffers given back once written).
import type net from 'node:net';
import createDebug from 'debug';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import { FRAME_HEADER_SIZE, frameHeader } from './framing.js';
import {
  CHUNK_DATA_SIZE,
  CHUNK_INTERACTIVE_MS,
  CHUNK_INTERACTIVE_SENT,
  CHUNK_MARKER,
  CHUNK_THRESHOLD,
  CHUNK_WINDOW_SENT,
  chunkAck,
  chunkFramePrefix,
  nextChunkLength,
} from './chunks.js';
import { ProtocolError } from '../errors.js';
import { GatheredMessage, type OutboundMessage } from '../buffers/gatheredMessage.js';

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

/** A message going out in chunks: what is left of it. */
interface ChunkedMessage {
  /** The message's bytes: its parts, one after another. */
  readonly parts: readonly Uint8Array[];
  readonly length: number;
  /** Bytes written so far, and where the next one is: part index, offset in it. */
  sent: number;
  part: number;
  offset: number;
  /** The (single) payload's buffer is lent by the pool of large buffers: given back once all is written. */
  readonly pooled: boolean;
  /** Small frames that must not overtake this message (see writeBehindChunks): written right after it. */
  behind?: Uint8Array[];
}

/**
 * Frames a connection sends, onto its socket. Its owner decides whether sending is allowed.
 *
 * Once `chunking` is on (the peer said it reassembles chunks, docs/protocol.md §1.1), a message over
 * CHUNK_THRESHOLD bytes is queued and goes out one chunk per event-loop turn, only while the socket
 * holds less than a chunk unsent and the peer has acknowledged all but CHUNK_WINDOW bytes (one
 * chunk while other frames are being sent beside it: CHUNK_INTERACTIVE_SENT): frames sent meanwhile
 * are written at once, so they wait behind at most the window, never behind the whole message.
 * Chunked messages go one after another, in order; each chunk's data is written from the message
 * itself (no copy).
 */
export class FrameWriter implements FrameRunWriter {
  private corked = false;
  /** Send messages over CHUNK_THRESHOLD in chunks. */
  chunking = false;
  /** Messages waiting to go out in chunks, the one being sent first. Made on first use. */
  private chunkQueue: ChunkedMessage[] | undefined;
  /** Bytes of the queued messages not yet written. */
  private chunkBytesQueued = 0;
  /** A turn (setImmediate) or a 'drain' is scheduled to send the next chunk. */
  private chunkPumpScheduled = false;
  /** Chunk data bytes written and not yet acknowledged by the peer (at most CHUNK_WINDOW_SENT). */
  private chunkBytesUnacked = 0;
  /**
   * Pace chunks by the socket alone, not the window. Set while the connection does not read (its
   * backpressure pause): the peer's acknowledgements are not read then, and waiting for them would
   * wait forever (the pause ends on the socket's 'drain', which only writing brings).
   */
  private windowSuspended = false;
  /**
   * When (performance.now()) a message other than a chunk or an acknowledgement was last written
   * while chunks were queued: for CHUNK_INTERACTIVE_MS after it, one chunk goes out at a time (see
   * CHUNK_INTERACTIVE_SENT).
   */
  private otherSentAt = Number.NEGATIVE_INFINITY;

  /** `owner` names the peer in log lines. */
  constructor(
    private readonly socket: net.Socket,
    private readonly owner: { readonly remoteLabel: string },
  ) {}

  /** Bytes of the messages queued to go out in chunks not yet written. */
  get chunkBytesToSend(): number {
    return this.chunkBytesQueued;
  }

  /** Bytes queued for the socket but not yet handed to the kernel (for backpressure). */
  get bufferedBytes(): number {
    return this.socket.writableLength + frameSlab.pending(this) + this.chunkBytesQueued;
  }

  /**
   * Frames and queues `payload` (see Connection.send for `transient` and pooled buffers). Throws
   * ProtocolError for a payload over 2^31-1 bytes.
   */
  write(message: OutboundMessage, transient: boolean): void {
    if (this.chunking && message.length > CHUNK_THRESHOLD) return this.queueChunked(message, transient);
    if (this.chunkBytesQueued > 0 && (message instanceof GatheredMessage || message[0] !== CHUNK_MARKER)) this.otherSentAt = performance.now();
    if (message instanceof GatheredMessage) return this.writeGathered(message);
    const payload = message;
    const header = payload.length > BATCHED_PAYLOAD_MAX ? frameHeader(payload.length) : undefined;
    this.corkForTurn();
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

  /**
   * As write(), but the frame is handed to the socket now, not at the end of the turn, unless
   * frames sent earlier in this turn are waiting there (it then joins them). For a connection that
   * sends one reply per request and nothing else in the turn (pickle mode), where batching saves no
   * write and costs a cork, an uncork and a setImmediate per reply. `transient` as for write().
   */
  writeNow(payload: Uint8Array, transient: boolean): void {
    if (this.corked || (this.chunkQueue !== undefined && this.chunkQueue.length > 0) || payload.length > BATCHED_PAYLOAD_MAX) {
      return this.write(payload, transient);
    }
    frameSlab.append(this, payload);
    frameSlab.flush(this);
  }

  /**
   * Lays out a small frame without scheduling its write: it goes with the next frames, at the next
   * flushNow() or batchHeld(), one of which the caller must call (the handshake, whose few frames of
   * a step leave in one write as soon as the step is done, with no cork or turn in between).
   */
  hold(payload: Uint8Array): void {
    if (this.corked) return this.write(payload, true); // the turn's frames are batched already: join them
    frameSlab.append(this, payload);
  }

  /** Lets the frames held go with the rest of this turn's frames (see write()), in one write. */
  batchHeld(): void {
    if (frameSlab.pending(this) > 0) this.corkForTurn();
  }

  /**
   * As write(), but the frame goes after every message already queued in chunks rather than between
   * their chunks: for a message whose meaning depends on the ones sent before it (a decref must not
   * reach the server before a request naming that object). `payload` is small; it is copied.
   */
  writeBehindChunks(payload: Uint8Array): void {
    const queue = this.chunkQueue;
    if (queue === undefined || queue.length === 0) return this.write(payload, true);
    (queue[queue.length - 1].behind ??= []).push(Uint8Array.from(payload));
  }

  /** One frame written from its parts (to a peer that takes no chunks): a header, then each part as it is. */
  private writeGathered(message: GatheredMessage): void {
    const header = frameHeader(message.length);
    this.corkForTurn();
    frameSlab.flush(this);
    this.socket.write(header);
    for (const part of message.parts) this.socket.write(part);
  }

  /** Corks the socket until the end of this event-loop turn, so that the turn's frames leave in one write. */
  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(FrameWriter.uncork, this);
  }

  /**
   * Hands the socket whatever this writer has in the slab, and every chunk still queued (before
   * ending the socket).
   */
  flush(): void {
    frameSlab.flush(this);
    while (this.chunkQueue !== undefined && this.chunkQueue.length > 0 && this.socket.writable) this.writeNextChunk();
  }

  /**
   * Hands the kernel every frame this writer holds, now (uncorking the socket): true if nothing is
   * left queued in this process afterwards (no chunk still to go, nothing the socket could not take).
   */
  flushNow(): boolean {
    if (this.chunkBytesQueued > 0) return false;
    frameSlab.flush(this);
    if (this.corked) {
      this.corked = false; // the turn's uncork (setImmediate) then finds nothing to do
      this.socket.uncork();
    }
    return this.socket.writableLength === 0;
  }

  /** Forgets what this writer has in the slab and the chunks not yet written (the socket is being destroyed). */
  discard(): void {
    frameSlab.discard(this);
    const queue = this.chunkQueue;
    if (queue === undefined) return;
    for (const message of queue) if (message.pooled) largeBuffers.give(message.parts[0].buffer);
    queue.length = 0;
    this.chunkBytesQueued = 0;
  }

  private queueChunked(message: OutboundMessage, transient: boolean): void {
    let chunked: ChunkedMessage;
    if (message instanceof GatheredMessage) {
      chunked = { parts: message.parts, length: message.length, sent: 0, part: 0, offset: 0, pooled: false };
    } else {
      const pooled = !transient && largeBuffers.lends(message.buffer);
      // A transient payload is the caller's to reuse once this returns: the chunks need their own copy.
      const payload = transient ? Buffer.from(message) : message;
      chunked = { parts: [payload], length: payload.length, sent: 0, part: 0, offset: 0, pooled };
    }
    (this.chunkQueue ??= []).push(chunked);
    this.chunkBytesQueued += chunked.length;
    this.scheduleChunk();
  }

  /** The peer acknowledged `bytes` chunk data bytes: more may go. Throws ProtocolError for more than was sent. */
  acknowledged(bytes: number): void {
    if (bytes > this.chunkBytesUnacked) throw new ProtocolError(`the peer acknowledged ${bytes} chunk bytes; ${this.chunkBytesUnacked} were unacknowledged`);
    this.chunkBytesUnacked -= bytes;
    this.scheduleChunk();
  }

  /** Acknowledges `bytes` chunk data bytes received from the peer. */
  acknowledge(bytes: number): void {
    this.write(chunkAck(bytes), true);
  }

  /** See windowSuspended: Connection calls it when it pauses and resumes reading. */
  suspendWindow(suspended: boolean): void {
    this.windowSuspended = suspended;
    if (suspended) this.scheduleChunk();
  }

  /**
   * Chunk data bytes that may be out unacknowledged before `next`'s next chunk: the window, or one
   * chunk while other messages flow beside the chunks, away from the message's end (CHUNK_INTERACTIVE_SENT).
   */
  private sendLimit(next: ChunkedMessage): number {
    if (performance.now() - this.otherSentAt >= CHUNK_INTERACTIVE_MS) return CHUNK_WINDOW_SENT;
    // Near the end the receiver withholds its acknowledgement until the message is complete.
    if (this.chunkBytesUnacked + next.length - next.sent <= CHUNK_WINDOW_SENT) return CHUNK_WINDOW_SENT;
    return CHUNK_INTERACTIVE_SENT;
  }

  /** Whether `next`'s next chunk may go now as far as acknowledgements go. */
  private roomFor(next: ChunkedMessage): boolean {
    return this.windowSuspended || this.chunkBytesUnacked + nextChunkLength(next.length - next.sent, next.sent === 0) <= this.sendLimit(next);
  }

  private scheduleChunk(): void {
    if (this.chunkPumpScheduled || this.chunkQueue === undefined || this.chunkQueue.length === 0) return;
    // No room: the peer's acknowledgement (acknowledged()) calls again. It always comes: a receiver
    // acknowledges once half the window is unacknowledged, and the one-chunk limit is a full chunk,
    // or else at the message's end, which the limit always lets out (sendLimit).
    const next = this.chunkQueue[0];
    if (!this.roomFor(next)) return;
    this.chunkPumpScheduled = true;
    // The socket holds a chunk or more: write the next once it has handed them to the kernel.
    if (this.socket.writableLength >= CHUNK_DATA_SIZE) this.socket.once('drain', () => FrameWriter.pumpChunks(this));
    else setImmediate(FrameWriter.pumpChunks, this);
  }

  private static readonly pumpChunks = (writer: FrameWriter): void => {
    writer.chunkPumpScheduled = false;
    const queue = writer.chunkQueue;
    if (queue === undefined || queue.length === 0) return;
    if (!writer.socket.writable) {
      writer.discard();
      return;
    }
    // One chunk per turn: on loopback TCP a 256 KiB write costs the writing process its share of the
    // kernel's work, so several per turn held small requests back for milliseconds (an A/B of the
    // loaded row: small get p99 4-7 ms with one per turn, 19-23 ms with up to the window's four).
    if (writer.socket.writableLength < CHUNK_DATA_SIZE && writer.roomFor(queue[0])) {
      writer.socket.cork();
      frameSlab.flush(writer); // frames sent before this chunk go first
      writer.writeNextChunk();
      writer.socket.uncork();
    }
    writer.scheduleChunk();
  };

  /** Writes the next chunk of the first queued message: a small prefix, then the data as it is. */
  private writeNextChunk(): void {
    const queue = this.chunkQueue!;
    const message = queue[0];
    const length = nextChunkLength(message.length - message.sent, message.sent === 0);
    this.socket.write(chunkFramePrefix(message.sent === 0, message.length, length));
    message.sent += length;
    this.chunkBytesQueued -= length;
    this.chunkBytesUnacked += length;
    const done = message.sent === message.length;
    if (done) queue.shift();
    // The chunk's data: views of the parts it spans.
    let left = length;
    while (left > 0) {
      const part = message.parts[message.part];
      const take = Math.min(left, part.length - message.offset);
      const data = part.subarray(message.offset, message.offset + take);
      left -= take;
      message.offset += take;
      if (message.offset === part.length) {
        message.part++;
        message.offset = 0;
      }
      if (done && left === 0 && message.pooled) this.socket.write(data, () => largeBuffers.give(part.buffer));
      else this.socket.write(data);
    }
    if (done && message.behind !== undefined) for (const frame of message.behind) this.write(frame, false);
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
