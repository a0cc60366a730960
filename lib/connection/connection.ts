// One authenticated link to a peer over a socket: the handshake, frames in (in order, queued until
// the owner listens, with backpressure), frames out (through its FrameWriter, frameWriter.ts), and
// exactly one close notification. Knows nothing of what the frames carry.
import net from 'node:net';
import tls from 'node:tls';
import createDebug from 'debug';
import { AuthenticationError, ConnectionClosedError } from '../errors.js';
import { formatAddress, isUnixAddress, type Address } from './address.js';
import { DEFAULT_MAX_FRAME_SIZE, FrameParser, HANDSHAKE_MAX_FRAME_SIZE, type FrameStream } from './framing.js';
import { CHUNK_MARKER, STREAMED_CHUNK_MIN, isChunkFrame } from './chunks.js';
import { ChunkReceiver } from './chunkReceiver.js';
import type { OutboundMessage } from '../buffers/gatheredMessage.js';
import { FrameWriter } from './frameWriter.js';
import { clientHandshake, serverHandshake, type FrameChannel, type HandshakeOptions } from './handshake.js';
import { connectionSettings, type ConnectOptions, type ConnectionOptions, type ConnectionSettings } from './options.js';
import { READ_BUFFER, acceptedSettings, describePeer, socketConnected, startDeadline } from './sockets.js';
import { waitEnded, waitStarted } from './handshakePoll.js';

const debug = createDebug('mpmanagers:connection');

/**
 * A successful handshake reads exactly this many frames from the peer (an answer, a challenge and a
 * verdict, in either order). Nothing past them is parsed until the handshake has settled:
 *
 * The peer's first request may arrive in the same chunk as its last handshake frame (a pipelining
 * client writes `#WELCOME#` and its first request together), and may be larger than the handshake's
 * 256-byte limit. Yet the handshake's checks run after the chunk is parsed (in microtasks), so
 * counting frames cannot tell a key holder from a peer that sent three frames of garbage. Raising
 * the limit on the count let a peer without the key announce a 64 MiB frame and have it buffered.
 * Parsing it at the handshake limit instead would refuse honest large first requests.
 *
 * So after the third frame the parser stops, the rest of the chunk is held (at most one socket
 * read: the socket is paused until the handshake settles), and the post-auth limit applies only
 * once the handshake has succeeded, that is once the peer's answer has verified AND ours has been
 * welcomed. Then the held bytes are parsed at that limit. On failure they are dropped unread.
 */
const HANDSHAKE_FRAMES_IN = 3;
/** After close(), how long the peer has to close its side before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

type Handshake = (ch: FrameChannel, authkey: Uint8Array, options: HandshakeOptions) => Promise<void>;

export class Connection {
  /**
   * Connects to a TCP `[host, port]` or a Unix socket path and authenticates (this side answers
   * the server's challenge, then challenges it). Connecting and the handshake together must finish
   * within `handshakeTimeout` seconds. Rejects AuthenticationError (wrong key, or a peer that does
   * not speak the handshake) or ConnectionClosedError (refused, reset, timed out).
   */
  static async connect(address: Address, options: ConnectOptions): Promise<Connection> {
    const settings = connectionSettings(options);
    const label = formatAddress(address);
    const target = isUnixAddress(address) ? { path: address } : { host: address[0], port: address[1], noDelay: true };
    // A plain socket reads into the process's one READ_BUFFER (see there), or straight into a
    // message coming in chunks (readSpace); TLS sockets cannot.
    const reader: { connection?: Connection } = {};
    const socket =
      options.tls === undefined
        ? net.connect({
            ...target,
            // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the socket as `this`
            onread: { buffer: () => reader.connection?.readSpace() ?? READ_BUFFER, callback: Connection.onSocketRead },
          })
        : tls.connect({ ...options.tls, ...target });
    let connection: Connection | undefined;
    const cancelDeadline = startDeadline(settings.handshakeTimeoutMs, (seconds) => {
      const error = new ConnectionClosedError(`connecting to ${label} timed out after ${seconds} s`);
      if (connection) connection.destroy(error);
      else socket.destroy(error);
    });
    try {
      await socketConnected(socket, label, options.tls === undefined ? 'connect' : 'secureConnect');
      connection = new Connection(socket, label, settings, options.tls === undefined);
      reader.connection = connection;
      await connection.authenticate(clientHandshake);
      return connection;
    } finally {
      cancelDeadline();
    }
  }

  /**
   * Wraps a socket accepted by a server and authenticates the peer (this side challenges first,
   * as CPython's Listener does) within `handshakeTimeout` seconds; a silent peer is destroyed when
   * it expires. Rejects as `connect` does. Used by Listener.
   */
  static async fromSocket(socket: net.Socket, options: ConnectionOptions, remoteLabel?: string): Promise<Connection> {
    let settings: ConnectionSettings;
    try {
      settings = acceptedSettings(options);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    socket.setNoDelay(true);
    // Kept only when the socket cannot tell it (a Unix socket's path): a server holds thousands. A
    // TCP peer's address is asked of the socket when first needed (a getpeername call), not here.
    const connection = new Connection(socket, remoteLabel, settings);
    const cancelDeadline = startDeadline(settings.handshakeTimeoutMs, (seconds) => {
      connection.destroy(new ConnectionClosedError(`handshake with ${connection.remoteLabel} timed out after ${seconds} s`));
    });
    try {
      await connection.authenticate(serverHandshake);
      return connection;
    } finally {
      cancelDeadline();
    }
  }

  /**
   * Wraps a socket that is already connected (an end of a socket pair, an inherited fd) and
   * authenticates as the connecting side, within `handshakeTimeout` seconds. The peer wraps its end
   * with `fromSocket`. Rejects as `connect` does.
   */
  static async overSocket(socket: net.Socket, options: ConnectionOptions, remoteLabel: string): Promise<Connection> {
    let settings: ConnectionSettings;
    try {
      settings = connectionSettings(options);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    const connection = new Connection(socket, remoteLabel, settings);
    const cancelDeadline = startDeadline(settings.handshakeTimeoutMs, (seconds) => {
      connection.destroy(new ConnectionClosedError(`handshake with ${remoteLabel} timed out after ${seconds} s`));
    });
    try {
      await connection.authenticate(clientHandshake);
      return connection;
    } finally {
      cancelDeadline();
    }
  }

  /** The underlying socket, for diagnostics. Write through `send` only. */
  readonly socket: net.Socket;
  /** Who is at the other end, for log lines: `host:port` or a socket path. */
  get remoteLabel(): string {
    return this.label ?? describePeer(this.socket);
  }

  /**
   * Receives each inbound payload, in order, as a buffer of its own. Frames that arrive before it
   * is set are queued.
   */
  get onFrame(): ((payload: Buffer, owned: boolean) => void) | undefined {
    return this.frameHandler;
  }
  set onFrame(handler: ((payload: Buffer, owned: boolean) => void) | undefined) {
    this.frameHandler = handler;
    this.handlerTakesViews = false;
    if (handler && this.inbox.length > 0) this.schedulePump();
  }

  /**
   * Called exactly once when the connection has ended, for any reason: with no error for a clean
   * end (peer EOF, close(), destroy()), with the error otherwise (ProtocolError for a bad frame,
   * ConnectionClosedError for a reset, or the error given to destroy). Frames already received are
   * delivered to onFrame first. Set it after the connection has ended and it is still called.
   */
  get onClose(): ((error?: Error) => void) | undefined {
    return this.closeHandler;
  }
  set onClose(handler: ((error?: Error) => void) | undefined) {
    this.closeHandler = handler;
    if (handler && this.socketGone) this.schedulePump();
  }

  /**
   * Sets onFrame and onClose to `handler`'s methods (called on it), and tells it when the peer
   * sends EOF: the same as setting the two properties, without a closure for each (a server holds
   * thousands of connections). Its handleFrame may be given a view into the shared read buffer
   * (`owned` false), valid during the call only: it is spared a copy.
   */
  attach(handler: ConnectionHandler): void {
    this.handlerThis = handler;
    /* eslint-disable @typescript-eslint/unbound-method -- called with `handler` as `this` */
    this.peerEndHandler = handler.handlePeerEnd;
    this.onClose = handler.handleClose;
    this.onFrame = handler.handleFrame;
    /* eslint-enable @typescript-eslint/unbound-method */
    this.handlerTakesViews = true;
  }

  /** True once the connection is ending or gone: sends are no-ops, no more frames arrive. */
  get closed(): boolean {
    return this.stopped || this.peerEnded || this.socketGone;
  }

  /** Bytes queued for the socket but not yet handed to the kernel (for backpressure). */
  get bufferedBytes(): number {
    return this.writer.bufferedBytes;
  }

  /** Bytes of messages queued to go out in chunks, not yet written (diagnostics, tests). */
  get chunkedBytesToSend(): number {
    return this.writer.chunkBytesToSend;
  }

  /** Bytes received so far of a message the peer is sending in chunks (diagnostics, tests). */
  get chunkedBytesReceived(): number {
    return this.chunks?.buffered ?? 0;
  }

  /** Largest message (frame, or message sent in chunks) this side accepts from its peer. */
  get maxFrameSize(): number {
    return this.settings.maxFrameSize;
  }

  /**
   * Largest message the peer accepts, as it said after the handshake (docs/protocol.md §3.1); until
   * it has, or if it never does (an older peer), the default 64 MiB.
   */
  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;

  /**
   * What the peer said after the handshake: its largest message, and whether it reassembles
   * messages sent in chunks (then messages over CHUNK_THRESHOLD are sent in chunks).
   */
  notePeerLimits(maxFrameSize: number, acceptsChunks: boolean): void {
    this.peerMaxFrameSize = maxFrameSize;
    this.writer.chunking = acceptsChunks;
  }

  /**
   * From now on, a frame whose first byte is 0xc1 is a chunk frame (docs/protocol.md §1.1). Called
   * when this side tells its peer it reads chunks (peerLimits.ts); never on connections that carry
   * other payloads (pickle mode, Listener/Client's sendBytes), where such a frame is just data.
   */
  readChunkFrames(): void {
    this.readsChunks = true;
    this.parser.stream = Connection.chunkStream;
  }

  /**
   * Stops reading from the socket until `resumeReading()`: frames already received wait (at most
   * the rest of one socket chunk), nothing more is read, and the kernel's flow control pushes back
   * on the peer. For backpressure.
   */
  pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
    this.writer.suspendWindow(true); // the peer's chunk acknowledgements are not read meanwhile
  }

  resumeReading(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    this.writer.suspendWindow(false);
    this.socket.resume();
    if (this.inbox.length > 0) this.schedulePump();
  }

  get readingIsPaused(): boolean {
    return this.readingPaused;
  }

  /**
   * Frames and queues a payload. All frames sent in one event-loop turn leave in one write. A small
   * payload (up to BATCHED_PAYLOAD_MAX bytes) is copied at once, next to the turn's other frames; a
   * larger one is not copied unless `transient`: do not modify it afterwards. `transient` says the
   * payload is a view into a buffer the caller is about to reuse (it is then always copied). A
   * payload in a buffer lent by the pool of large buffers (lib/buffers/) goes back to the pool once
   * written: it is the sender's to give away.
   * Returns false (and sends nothing) if the connection is closed. Throws ProtocolError for a
   * payload over 2^31-1 bytes.
   */
  send(payload: OutboundMessage, transient = false): boolean {
    if (this.closed || !this.socket.writable) {
      debug('%s: send on a closed connection ignored (%d bytes)', this.remoteLabel, payload.length);
      return false;
    }
    this.writer.write(payload, transient);
    return true;
  }

  /**
   * As send(), but the frame is written now rather than batched with the turn's other frames (see
   * FrameWriter.writeNow): for one reply per request received.
   */
  sendNow(payload: Uint8Array, transient = false): boolean {
    if (this.closed || !this.socket.writable) {
      debug('%s: send on a closed connection ignored (%d bytes)', this.remoteLabel, payload.length);
      return false;
    }
    this.writer.writeNow(payload, transient);
    return true;
  }

  /**
   * Writes the frames sent so far in this turn now, rather than at its end (see send()): for a side
   * that knows nothing more is coming in this turn and its peer is waiting for them.
   */
  sendQueuedNow(): void {
    if (!this.closed && this.socket.writable) this.writer.flushNow();
  }

  /**
   * As send(), for a small message that must not overtake a message being sent in chunks (a decref,
   * a cancel): it goes after every message already queued in chunks. Copied at once.
   */
  sendBehindChunks(payload: Uint8Array): boolean {
    if (this.closed || !this.socket.writable) return false;
    this.writer.writeBehindChunks(payload);
    return true;
  }

  /**
   * Graceful end: frames already sent are flushed, then the socket is half-closed; the peer has
   * CLOSE_GRACE_MS to close its side before the socket is destroyed. Frames arriving after close()
   * are dropped.
   */
  close(): void {
    if (this.stopped || this.socketGone) return;
    this.stop();
    this.writer.flush();
    this.socket.end();
    this.graceTimer = setTimeout(() => {
      debug('%s: peer did not close within %d ms; destroying', this.remoteLabel, CLOSE_GRACE_MS);
      this.socket.destroy();
    }, CLOSE_GRACE_MS).unref();
  }

  /**
   * Ends the connection without waiting for the peer to close its side, as CPython's
   * `Connection.close()` does (the socket is closed at once; the kernel still delivers what was
   * written, then a FIN): for a side that expects nothing more from its peer (a client with no call
   * waiting). Saves both processes the half-close exchange (a grace timer, a shutdown, reading the
   * peer's FIN). Frames queued in this process are handed to the kernel first; if some cannot be
   * (a full socket, chunks still to go) or the socket is TLS (whose close alert end() sends), this
   * is close().
   */
  closeAtOnce(): void {
    if (this.stopped || this.socketGone) return;
    if (!this.writer.flushNow() || this.socket instanceof tls.TLSSocket) return this.close();
    this.stop();
    this.socket.destroy();
  }

  /** Immediate end: unsent and unread frames are dropped; onClose receives `error`. */
  destroy(error?: Error): void {
    if (this.socketGone) return;
    this.closeError ??= error;
    this.stop();
    this.writer.discard();
    this.socket.destroy();
  }

  /** remoteLabel, when it differs from what the socket says. */
  private readonly label: string | undefined;
  private readonly settings: ConnectionSettings;
  private readonly parser: FrameParser;
  private readonly writer: FrameWriter;
  /** The receiving half of chunked messages, made at the first chunk frame. */
  private chunks: ChunkReceiver | undefined;
  /** Set by readChunkFrames(): this side has said it reads chunk frames. */
  private readsChunks = false;
  /** Received frames not yet handed out: to the handshake, or to onFrame once it is set. */
  private readonly inbox: Buffer[] = [];
  private frameHandler: ((payload: Buffer, owned: boolean) => void) | undefined;
  /** The frame handler came from attach(): it takes views into the read buffer (see there). */
  private handlerTakesViews = false;
  private closeHandler: ((error?: Error) => void) | undefined;
  private peerEndHandler: (() => void) | undefined;
  /** `this` for the handlers: the object given to attach(), if any. */
  private handlerThis: unknown;
  private handshakeWaiter: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;
  private handshakeFramesReceived = 0;
  /** Bytes past the last handshake frame, unparsed until the handshake settles (see HANDSHAKE_FRAMES_IN). */
  private heldChunks: Buffer[] | undefined;
  private authenticated = false;
  private readingPaused = false;
  /** close() or destroy() was called: nothing more is sent or delivered. */
  private stopped = false;
  /** The peer sent EOF. */
  private peerEnded = false;
  /** The socket emitted 'close'. */
  private socketGone = false;
  private closeError: Error | undefined;
  private closeReported = false;
  private pumpScheduled = false;
  private graceTimer: NodeJS.Timeout | undefined;

  /**
   * `label`: what remoteLabel says, or undefined to ask the socket each time. `readsIntoSharedBuffer`:
   * the socket was made with `onread` into READ_BUFFER (see connect), so its chunks are transient.
   */
  private constructor(socket: net.Socket, label: string | undefined, settings: ConnectionSettings, readsIntoSharedBuffer = false) {
    this.socket = socket;
    this.label = label;
    this.settings = settings;
    this.parser = new FrameParser(HANDSHAKE_MAX_FRAME_SIZE, { transientChunks: readsIntoSharedBuffer });
    this.writer = new FrameWriter(socket, this);
    // Listeners shared by every connection, which they find through the socket: a closure per
    // listener per connection would be most of what an idle connection costs beyond its socket.
    // (They are called with the socket as `this`, which is what they expect: hence the lint waivers.)
    (socket as ConnectionSocket)[kConnection] = this;
    const early = (socket as EarlySocket)[kEarlyChunks];
    if (early !== undefined) {
      (socket as EarlySocket)[kEarlyChunks] = undefined;
      for (const chunk of early) this.receiveChunk(chunk);
    }
    /* eslint-disable @typescript-eslint/unbound-method */
    socket.on('data', Connection.onSocketData);
    socket.on('end', Connection.onSocketEnd);
    socket.on('error', Connection.onSocketFailure);
    socket.on('close', Connection.onSocketClosed);
    /* eslint-enable @typescript-eslint/unbound-method */
  }

  private static readonly onSocketData = function (this: net.Socket, chunk: Buffer): void {
    (this as ConnectionSocket)[kConnection].receiveChunk(chunk);
  };
  /**
   * The `onread` callback of a socket reading into READ_BUFFER (or into a message: readSpace): the
   * bytes are valid during the call only.
   */
  private static readonly onSocketRead = function (this: net.Socket, length: number, buffer: Uint8Array): boolean {
    const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, length);
    const connection = (this as Partial<ConnectionSocket>)[kConnection];
    // Reading starts once 'connect' has been emitted, and the Connection is made as that resolves,
    // so it is there; should bytes ever come first, they are kept (copied) for it.
    if (connection === undefined) ((this as EarlySocket)[kEarlyChunks] ??= []).push(Buffer.from(chunk));
    else connection.receiveChunk(chunk);
    return true; // false would pause the socket; pauseReading() does that when it must
  };
  private static readonly onSocketEnd = function (this: net.Socket): void {
    (this as ConnectionSocket)[kConnection].onPeerEnd();
  };
  private static readonly onSocketFailure = function (this: net.Socket, error: Error): void {
    (this as ConnectionSocket)[kConnection].onSocketError(error);
  };
  private static readonly onSocketClosed = function (this: net.Socket): void {
    (this as ConnectionSocket)[kConnection].onSocketClose();
  };

  /**
   * Where a socket made by connect() reads next: while the data of a large chunk frame is coming,
   * straight into the message it belongs to (as much as the frame still carries, so that the read
   * stops at its end), and the assembler finds it in place; otherwise READ_BUFFER. The kernel's copy
   * is then the only one: the data is not copied again in JavaScript.
   */
  private readSpace(): Uint8Array {
    if (this.chunks === undefined || this.stopped) return READ_BUFFER;
    return this.chunks.readSpace(this.parser.streamBytesMissing);
  }

  private async authenticate(handshake: Handshake): Promise<void> {
    // A step's frames (a challenge; an answer and a challenge; a verdict and an answer) leave in one
    // write once the step waits for the peer's next frame, not at the end of the turn: the peer is
    // waiting for them. The last step's are batched with the turn's (a client's verdict and its
    // first request leave together).
    const channel: FrameChannel = {
      sendFrame: (payload) => {
        if (!this.closed && this.socket.writable) this.writer.hold(payload);
      },
      nextFrame: () => {
        if (this.inbox.length === 0) this.writer.flushNow(); // about to wait for the peer
        return this.nextHandshakeFrame();
      },
    };
    try {
      await handshake(channel, this.settings.authkey, { allowLegacyMd5: this.settings.allowLegacyMd5 });
    } catch (error) {
      const label = this.remoteLabel; // asked before the socket goes, which then still knows it (for the listener's log)
      debug('%s: handshake failed: %s', label, (error as Error).message);
      // Let a #FAILURE# verdict reach the peer before hanging up; anything else drops the socket.
      if (error instanceof AuthenticationError) this.hangUpAfterFailure();
      else this.destroy();
      throw error;
    }
    this.writer.batchHeld();
    this.authenticated = true;
    this.parser.maxFrameSize = this.settings.maxFrameSize;
    this.parseHeldBytes();
    releaseIfEmpty(this.inbox);
    if (this.inbox.length > 0 || this.socketGone) this.schedulePump();
  }

  /**
   * A peer that failed the handshake is not read again: what it sent past its handshake frames is
   * dropped unparsed, reading stops, and the socket is destroyed as soon as our #FAILURE# verdict
   * (if any) is flushed. Unlike close() there is no grace period for the peer to close its side, in
   * which it could keep us reading. (A peer still sending gets a reset, not a FIN.)
   */
  private hangUpAfterFailure(): void {
    if (this.stopped || this.socketGone) return;
    this.stop();
    this.socket.pause();
    this.writer.flush();
    this.socket.end(() => this.socket.destroy());
    // A verdict of a dozen bytes always fits the kernel's buffer; this is in case it does not.
    this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Stops parsing and reading until the handshake settles (see HANDSHAKE_FRAMES_IN). */
  private holdUntilAuthenticated(rest: Buffer): void {
    (this.heldChunks ??= []).push(Buffer.from(rest)); // a copy: the chunk may be the shared read buffer
    this.socket.pause();
  }

  /** After a successful handshake: parses what was held, at the post-auth limit, and reads on. */
  private parseHeldBytes(): void {
    const held = this.heldChunks;
    if (held === undefined) return;
    this.heldChunks = undefined;
    for (const chunk of held) this.receiveChunk(chunk);
    if (!this.readingPaused && !this.stopped) this.socket.resume();
  }

  private nextHandshakeFrame(): Promise<Buffer> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(this.endedError());
    waitStarted(); // the loop polls for the peer's step a moment before sleeping (handshakePoll.ts)
    return new Promise((resolve, reject) => {
      this.handshakeWaiter = { resolve, reject };
    });
  }

  private receiveChunk(chunk: Buffer): void {
    // After close() or destroy() nothing is delivered: do not even parse (nor buffer) it.
    if (this.stopped) return;
    if (this.heldChunks !== undefined) {
      // Only what a read already in progress hands over: the socket is paused.
      this.heldChunks.push(Buffer.from(chunk));
      return;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called with this connection as `this`
      const used = this.parser.push(chunk, Connection.receiveFrame, this);
      if (used < chunk.length && !this.stopped) this.holdUntilAuthenticated(chunk.subarray(used));
    } catch (error) {
      // A bad frame from the parser, or an error thrown by onFrame: this connection only.
      this.fail(error);
    }
  }

  /**
   * Each frame the parser cuts; `owned` is false for a view into the shared read buffer. Returns
   * false after the last handshake frame, to stop the parser there (see HANDSHAKE_FRAMES_IN).
   */
  private static readonly receiveFrame = function (this: Connection, payload: Buffer, owned: boolean): boolean {
    if (this.stopped) return false; // nothing more is delivered: stop parsing (receiveChunk holds nothing then)
    if (this.readsChunks && isChunkFrame(payload)) {
      // An acknowledgement, or a small chunk frame taken whole (large ones are streamed: chunkStream).
      const message = this.chunkReceiver().whole(payload);
      if (message === undefined) return true;
      payload = message;
      owned = true;
    }
    const lastHandshakeFrame = !this.authenticated && ++this.handshakeFramesReceived === HANDSHAKE_FRAMES_IN;
    const waiter = this.handshakeWaiter;
    if (waiter) {
      this.handshakeWaiter = undefined;
      waitEnded();
      waiter.resolve(owned ? payload : Buffer.from(payload));
    } else if (this.authenticated && this.frameHandler && this.inbox.length === 0 && !this.readingPaused) {
      if (owned || this.handlerTakesViews) this.frameHandler.call(this.handlerThis, payload, owned);
      else this.frameHandler.call(this.handlerThis, Buffer.from(payload), true);
    } else {
      // Kept for later, so it must outlive the read buffer.
      this.inbox.push(owned ? payload : Buffer.from(payload));
      if (this.authenticated && !this.readingPaused) this.schedulePump();
    }
    return !lastHandshakeFrame;
  };

  /**
   * Large chunk frames, streamed from the parser into the assembler as their bytes arrive: their
   * data is copied once, from the socket's read into the message (docs/protocol.md §1.1). Shared by
   * every connection (called with the connection as `this`).
   */
  private static readonly chunkStream: FrameStream = {
    takes(this: unknown, firstByte: number, length: number): boolean {
      return firstByte === CHUNK_MARKER && length >= STREAMED_CHUNK_MIN;
    },
    part(this: unknown, piece: Buffer, offset: number, length: number): void {
      const connection = this as Connection;
      if (connection.stopped) return;
      // Throws ProtocolError for a bad chunk, an oversize total (receiveChunk drops the connection).
      const message = connection.chunkReceiver().part(piece, offset, length);
      if (message !== undefined) Connection.receiveFrame.call(connection, message, true);
    },
  };

  private chunkReceiver(): ChunkReceiver {
    return (this.chunks ??= new ChunkReceiver(this.settings.maxFrameSize, this.writer, () => !this.closed));
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => this.pump());
  }

  /** Hands queued frames to onFrame, then reports the close once the socket is gone. */
  private pump(): void {
    this.pumpScheduled = false;
    try {
      while (this.authenticated && this.frameHandler && !this.stopped && !this.readingPaused && this.inbox.length > 0) {
        this.frameHandler.call(this.handlerThis, this.inbox.shift()!, true);
      }
      releaseIfEmpty(this.inbox);
    } catch (error) {
      this.fail(error);
    }
    if (!this.socketGone || this.closeReported || !this.closeHandler) return;
    this.closeReported = true;
    if (this.inbox.length > 0) debug('%s: %d unread frames dropped at close', this.remoteLabel, this.inbox.length);
    this.inbox.length = 0;
    try {
      this.closeHandler.call(this.handlerThis, this.closeError);
    } catch (error) {
      debug('%s: onClose threw: %O', this.remoteLabel, error);
    }
  }

  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    debug('%s: closing after error: %s', this.remoteLabel, failure.message);
    this.destroy(failure);
  }

  private stop(): void {
    this.stopped = true;
    this.inbox.length = 0;
    this.heldChunks = undefined;
    this.chunks?.reset();
    this.parser.reset();
    this.rejectHandshakeWaiter();
  }

  private onPeerEnd(): void {
    this.peerEnded = true;
    try {
      this.peerEndHandler?.call(this.handlerThis);
    } catch (error) {
      debug('%s: the peer-end handler threw: %O', this.remoteLabel, error);
    }
    this.rejectHandshakeWaiter();
    // Nothing more is sent once the peer has ended (see closed), so Node's own end of our side
    // (allowHalfOpen is off) would only flush and shut down: when nothing is left to flush, close
    // the socket now instead (its FIN is the same, without a shutdown and the stream's end-of-write
    // steps). Frames received before the EOF are still delivered (pump), as after any close.
    if (this.authenticated && !this.stopped && !(this.socket instanceof tls.TLSSocket) && this.writer.flushNow()) this.socket.destroy();
  }

  private onSocketError(error: Error): void {
    debug('%s: socket error: %s', this.remoteLabel, error.message);
    this.closeError ??= new ConnectionClosedError(`connection to ${this.remoteLabel} failed: ${error.message}`, {
      cause: error,
    });
    this.rejectHandshakeWaiter();
  }

  private onSocketClose(): void {
    this.socketGone = true;
    clearTimeout(this.graceTimer);
    this.rejectHandshakeWaiter();
    this.schedulePump();
  }

  private rejectHandshakeWaiter(): void {
    const waiter = this.handshakeWaiter;
    if (!waiter) return;
    this.handshakeWaiter = undefined;
    waitEnded();
    waiter.reject(this.endedError());
  }

  private endedError(): Error {
    return this.closeError ?? new ConnectionClosedError(`connection to ${this.remoteLabel} closed`);
  }
}

/** An object that receives a connection's frames and its end (see Connection.attach). */
export interface ConnectionHandler {
  /** A payload; when `owned` is false it is a view valid during this call only (copy to keep it). */
  handleFrame(payload: Buffer, owned: boolean): void;
  handleClose(error?: Error): void;
  /** The peer sent EOF (before the connection is reported closed). */
  handlePeerEnd?(): void;
}

/** A connection's socket knows its connection (see the constructor). */
const kConnection = Symbol('mpmanagers.connection');
type ConnectionSocket = net.Socket & { [kConnection]: Connection };
/** Bytes read before the socket's Connection was made (see onSocketRead). */
const kEarlyChunks = Symbol('mpmanagers.earlyChunks');
type EarlySocket = net.Socket & { [kEarlyChunks]?: Buffer[] };

/**
 * An array emptied by shift() keeps its storage (room for 16 frames or more, for as long as the
 * connection is open); truncating it lets the storage go.
 */
function releaseIfEmpty(frames: Buffer[]): void {
  if (frames.length === 0) frames.length = 0;
}
