// A client's one persistent connection to a manager server, shared by all of its proxies. Every
// request carries an id; replies may come back in any order; any number of calls may be in flight.
// When the connection drops, every pending call rejects ConnectionClosedError at once.
import createDebug from 'debug';
import { Connection } from '../connection/connection.js';
import type { Address } from '../connection/address.js';
import type { ConnectOptions } from '../connection/options.js';
import { Heartbeat, heartbeatSettings, type HeartbeatOptions } from '../connection/heartbeat.js';
import { Codec, SHARED_ENCODING_MAX, type CodecOptions } from '../codec/codec.js';
import { AbortError, ConnectionClosedError, LimitError, ProtocolError } from '../errors.js';
import { MessageType, ReplyKind, Token, type WireRef } from '../protocol.js';
import type { Channel } from './channel.js';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import type { OutboundMessage } from '../buffers/gatheredMessage.js';
import { ourLimits, parsePeerLimits, CHUNKS_VERSION } from '../connection/peerLimits.js';
import { PendingCalls } from './pendingCalls.js';
import { waitEnded, waitStarted } from '../connection/handshakePoll.js';

const log = createDebug('mpmanagers:client');

/** Also the heartbeat (HeartbeatOptions): the client pings a silent server and drops a dead one. */
export interface ClientOptions extends HeartbeatOptions {
  /** Seconds allowed for connect + handshake. Default 5. */
  handshakeTimeout?: number;
  /** Largest frame accepted from the server, in bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /** msgpack decode limits (see CodecOptions for the defaults). */
  codec?: CodecOptions;
  /** Connect over TLS with these options of Node's `tls.connect` (ca, cert + key, servername...). Default: no TLS. */
  tls?: ConnectOptions['tls'];
}

/** How references cross this session: the owning manager turns them into proxies and back. */
export interface RefAdapter {
  /** The wire form of a proxy (undefined when `value` is not a proxy). */
  toWire(value: object, session: ClientSession): WireRef | undefined;
  /** A proxy for a reference the server transferred to this session. */
  fromWire(ref: WireRef, session: ClientSession): unknown;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Set when the call was given an AbortSignal. */
  detach?: () => void;
}

export class ClientSession implements Channel {
  private readonly pendingCalls = new PendingCalls<PendingCall>();
  private nextRequestId = 1;
  private readonly codec: Codec;
  /** Set once closed: why (the error itself, closeError, is built when first needed). */
  private closeReason: { error: Error | undefined; why: string } | undefined;
  private closeError: Error | undefined;
  /** Why the server said it is closing this connection (a Reply to request id 0), if it did. */
  private goodbye: Error | undefined;
  private heartbeat: Heartbeat | undefined;
  /** Called once when the connection ends (after every pending call has been rejected). */
  onClose: ((error: Error) => void) | undefined;

  private constructor(
    private readonly connection: Connection,
    readonly address: Address,
    refs: RefAdapter,
    codecOptions: CodecOptions | undefined,
  ) {
    this.codec = new Codec(
      {
        toWire: (value) => refs.toWire(value, this),
        fromWire: (ref) => refs.fromWire(ref, this),
      },
      codecOptions,
    );
    connection.attach(this);
  }

  /** The connection has ended (Connection.attach). */
  handleClose(error?: Error): void {
    this.onConnectionClose(error);
  }

  /**
   * Connects, authenticates and pings (CPython's `connect()` sends `dummy`); the ping carries this
   * side's limits and its reply the server's (docs/protocol.md §3.1).
   */
  static async open(address: Address, authkey: Uint8Array, refs: RefAdapter, options: ClientOptions = {}): Promise<ClientSession> {
    const heartbeat = heartbeatSettings(options);
    const connection = await Connection.connect(address, {
      authkey,
      handshakeTimeout: options.handshakeTimeout,
      maxFrameSize: options.maxFrameSize,
      tls: options.tls,
    });
    const session = new ClientSession(connection, address, refs, options.codec);
    if (heartbeat !== undefined) {
      session.heartbeat = new Heartbeat(connection, heartbeat, () => session.send([MessageType.Ping, 0]));
    }
    try {
      const reply = session.call(null, 'dummy', [], { ...ourLimits(connection) });
      // The handshake's last frame (our verdict) and this request go now, in one write, rather than
      // at the end of the turn: the server is waiting for them, and nothing else is coming.
      connection.sendQueuedNow();
      // The reply is the handshake's last step: polled for as the others (handshakePoll.ts).
      waitStarted();
      let answer: unknown;
      try {
        answer = await reply;
      } finally {
        waitEnded();
      }
      const theirs = parsePeerLimits(answer);
      // An older server answers null: it takes whole frames of up to the default size.
      if (theirs !== undefined) connection.notePeerLimits(theirs.maxFrameSize, theirs.chunks >= CHUNKS_VERSION);
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  get pendingCount(): number {
    return this.pendingCalls.size;
  }

  /**
   * Calls `method` on object `objectId` (null: a control operation). With a signal, aborting sends
   * a cancel: the server stops the wait and the call rejects AbortError — unless it had already
   * completed, in which case its result is delivered (nothing taken on the server is ever lost).
   */
  call(
    objectId: string | null,
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> | null = null,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.closeReason !== undefined) return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let bytes: OutboundMessage;
    const requestId = this.nextRequestId++;
    try {
      // A small one is a view into the codec's reused buffer: sent (so copied) below, before anything
      // else is encoded. Large Uint8Array arguments are not copied (GatheredMessage).
      bytes = this.codec.encodeForSend([MessageType.Request, requestId, objectId, method, args, kwargs]);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const limit = this.connection.peerMaxFrameSize;
    if (bytes.length > limit) {
      // Refused here rather than sent: the server would drop the connection, and every call with it.
      if (bytes instanceof Uint8Array && largeBuffers.lends(bytes.buffer)) largeBuffers.give(bytes.buffer);
      return Promise.reject(
        new LimitError(
          `the call ${method}() takes ${bytes.length} bytes encoded, more than the ${limit} bytes the server accepts ` +
            `(its maxFrameSize); nothing was sent`,
          'maxFrameSize',
        ),
      );
    }
    // The executor is one shared function, not a closure per call (with its context): it hands
    // over the settling functions, which become the pending call.
    const promise = new Promise<unknown>(takeSettlers);
    const pending: PendingCall = { resolve: settlers.resolve!, reject: settlers.reject! };
    settlers.resolve = settlers.reject = undefined;
    try {
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (this.pendingCalls.has(requestId)) this.send([MessageType.Cancel, requestId]);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pendingCalls.set(requestId, pending);
      // A decref must not overtake a request still going out in chunks that names the object (as
      // its target or in its arguments): the server would free it first (docs/protocol.md §1.1).
      if (objectId === null && method === 'decref' && bytes instanceof Uint8Array) this.connection.sendBehindChunks(bytes);
      else this.connection.send(bytes, bytes instanceof Uint8Array && bytes.length <= SHARED_ENCODING_MAX);
    } catch (err) {
      // As a throw in a Promise executor would: the call rejects.
      this.pendingCalls.delete(requestId);
      pending.detach?.();
      pending.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return promise;
  }

  /** Fire-and-forget message (decref from a finalizer, cancel). */
  send(message: unknown[]): void {
    if (this.closeReason !== undefined) return;
    const bytes = this.codec.encodeShared(message);
    if (bytes.length > this.connection.peerMaxFrameSize) {
      log('a %d-byte message over the server limit was not sent', bytes.length);
      return;
    }
    // A cancel must not overtake the request it cancels, if that is still going out in chunks.
    if (message[0] === MessageType.Cancel) this.connection.sendBehindChunks(bytes);
    else this.connection.send(bytes, bytes.length <= SHARED_ENCODING_MAX);
  }

  /**
   * For a session that has closed and been replaced by a new one (the manager reconnected): calls
   * made through it from now on reject with `error`, which tells their proxies' users what happened.
   */
  supersede(error: ConnectionClosedError): void {
    if (this.closeReason !== undefined) this.closeError = error;
  }

  /**
   * Ends the connection; every pending call rejects ConnectionClosedError. With no call waiting,
   * the socket is closed at once, as CPython's client closes it (Connection.closeAtOnce): the
   * server has nothing left to tell this client.
   */
  close(): void {
    if (this.closeReason !== undefined) return;
    if (this.pendingCalls.size === 0) this.connection.closeAtOnce();
    else this.connection.close();
    this.onConnectionClose(undefined, 'the client closed this connection');
  }

  /** Each reply (Connection.attach); a payload not `owned` is a view into the shared read buffer. */
  handleFrame(payload: Buffer, owned: boolean): void {
    let message: unknown;
    try {
      // A frame of its own may be kept (large bins stay views into it); a view is copied from.
      message = owned ? this.codec.decodeOwned(payload) : this.codec.decode(payload);
    } catch (err) {
      log('undecodable reply from %o: %O', this.address, err);
      return this.connection.destroy(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
    if (!Array.isArray(message)) return this.connection.destroy(new ProtocolError('a message must be an array'));
    if (message[0] === MessageType.Reply) {
      const pending = this.pendingCalls.get(message[1]);
      if (pending === undefined) {
        if (message[1] === 0 && message[2] === ReplyKind.Error) return this.noteGoodbye(message[3]);
        return log('reply to unknown request %o', message[1]);
      }
      this.pendingCalls.delete(message[1]);
      pending.detach?.();
      if (message[2] === ReplyKind.Return) pending.resolve(message[3]);
      else pending.reject(asError(message[3]));
    } else if (message[0] === MessageType.Ping) {
      this.send([MessageType.Pong, message[1]]);
    }
  }

  /**
   * The server's last word: it is closing this connection. Pending and later calls reject with its
   * reason (or a ConnectionClosedError wrapping it) at once; nothing it sends afterwards counts.
   */
  private noteGoodbye(reason: unknown): void {
    const error = asError(reason);
    log('the server is closing this connection: %s', error.message);
    const typed = error instanceof ConnectionClosedError || error instanceof LimitError;
    this.goodbye = typed ? error : new ConnectionClosedError(`the server closed this connection: ${error.message}`, { cause: error });
    this.close();
  }

  private onConnectionClose(error?: Error, why = 'the connection to the manager closed'): void {
    if (this.closeReason !== undefined) return;
    this.heartbeat?.stop();
    this.closeReason = { error, why };
    // The error is built only if someone takes it (a pending or later call, onClose): a client that
    // closes an idle session (connect, call, close) skips an Error and its stack trace.
    if (this.pendingCalls.size > 0) {
      const closeError = this.closedError();
      const pending = this.pendingCalls.values();
      this.pendingCalls.clear();
      for (const call of pending) {
        call.detach?.();
        call.reject(closeError);
      }
    }
    if (this.onClose !== undefined) this.onClose(this.closedError());
  }

  /** The error calls on this closed session reject with (built on first use). */
  private closedError(): Error {
    if (this.closeError !== undefined) return this.closeError;
    const { error, why } = this.closeReason!;
    return (this.closeError = this.goodbye ?? new ConnectionClosedError(error === undefined ? why : `${why}: ${error.message}`, { cause: error }));
  }
}

/** Where takeSettlers leaves a new promise's resolve and reject, for call() to take at once. */
const settlers: { resolve: ((value: unknown) => void) | undefined; reject: ((error: Error) => void) | undefined } = {
  resolve: undefined,
  reject: undefined,
};

function takeSettlers(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  settlers.resolve = resolve;
  settlers.reject = reject;
}

function asError(payload: unknown): Error {
  if (payload instanceof Error) return payload;
  return new ProtocolError(`malformed error reply: ${String(payload)}`);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error && signal.reason.name === 'AbortError' ? new AbortError(signal.reason.message) : new AbortError('the operation was aborted');
}

/** A token for a reference this client cannot turn into a proxy (another server's object). */
export function tokenOf(ref: WireRef): Token {
  return new Token(ref.typeid, ref.address, ref.id);
}
