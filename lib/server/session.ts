// One authenticated client connection on the server: decodes its requests, dispatches them to
// shared objects, and writes replies in whatever order they complete. Any number of calls may be in
// flight; a call that waits (a queue get, a lock acquire) never holds up the others.
import createDebug from 'debug';
import type { Connection } from '../connection/connection.js';
import { SHARED_ENCODING_MAX, type CodecOptions } from '../codec/codec.js';
import { ManagerError, ProtocolError, ConnectionClosedError, AbortError, LimitError, PermissionError, TypeError as PyTypeError } from '../errors.js';
import { MessageType, ReplyKind, Token, type WireRef } from '../protocol.js';
import { ServerRef } from './serverRef.js';
import { OwnedRef } from './ownedRef.js';
import { dispatch } from './dispatch.js';
import type { CallContext } from './callContext.js';
import type { ObjectEntry, ObjectTable } from './objectTable.js';
import { REPLY_BACKLOG_LIMIT, goodbyeMessage } from './limits.js';
import { noteMessageSize } from '../buffers/memoryRelease.js';
import { enterCallPolicy, leaveCallPolicy, type CallPolicy } from './callPolicy.js';
import { largeBuffers } from '../buffers/largeBufferPool.js';
import type { OutboundMessage } from '../buffers/gatheredMessage.js';
import { sharedCodecFor, type SharedSessionCodec } from './sessionCodec.js';
import { SessionCallContext } from './sessionCallContext.js';

const log = createDebug('mpmanagers:server');

/** What a session needs from its server. */
export interface SessionHost {
  readonly table: ObjectTable;
  /** Runs a control operation (objectId null): create, incref, decref, ... */
  control(session: ServerSession, method: string, args: unknown[], kwargs: Record<string, unknown> | null): unknown;
  /** Serves a method_to_typeid result as a new shared object owned by `session`. */
  adopt(session: ServerSession, typeid: string, value: unknown): OwnedRef;
  /** Releases what a closed session held (references, locks, semaphore units). */
  sessionClosed(session: ServerSession, touched: ReadonlySet<ObjectEntry>): void;
  /** Most unanswered calls per connection (ServerOptions.maxInFlight); Infinity = no limit. */
  readonly maxInFlight: number;
  /** ServerOptions.strictReferences: only objects a connection holds a reference to are reachable. */
  readonly strictReferences: boolean;
  /** What each call may do: set around every dispatch (see callPolicy.ts). */
  readonly policy: CallPolicy;
}

export class ServerSession {
  /** Calls that can be cancelled (they asked for a signal), by request id. Made on first use. */
  private cancellable: Map<number, AbortController> | undefined;
  /** Objects whose ownership-tracking methods this session called: cleaned up when it closes. Made on first use. */
  private touched: Set<ObjectEntry> | undefined;
  /** Shared with the host's other sessions: see SharedSessionCodec. */
  private readonly shared: SharedSessionCodec;
  private readonly maxInFlight: number;
  closed = false;
  /** Reply bytes promised to waiting calls (handed a queue item) but not yet written. */
  private reservedReplyBytes = 0;
  /** Called once this connection may be handed results again (see reserveReply). Made on first use. */
  private receivableListeners: Set<() => void> | undefined;
  private drainWatched = false;
  /** Under strictReferences: the id of a reference in the message being decoded that this connection does not hold. */
  private forgedRef: string | undefined;
  /** Requests received so far (the idle sweep watches it). */
  requestsReceived = 0;
  /** Calls received whose reply is not yet sent (only asynchronous ones ever wait). */
  inFlight = 0;
  /** Frame payload bytes received and sent (the server's `describe`). */
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    private readonly host: SessionHost,
    readonly connection: Connection,
    codecOptions: CodecOptions | undefined,
  ) {
    this.shared = sharedCodecFor(host, codecOptions);
    this.maxInFlight = host.maxInFlight;
    connection.attach(this);
  }

  /** True once the client has gone (EOF) or the connection is closing: replies can no longer reach it. */
  get callerGone(): boolean {
    return this.closed || this.connection.closed;
  }

  get label(): string {
    return this.connection.remoteLabel;
  }

  /**
   * Whether a waiting call of this connection may be handed a result of `bytes` now: false while its
   * unread replies plus those already promised reach REPLY_BACKLOG_LIMIT, so that it holds at most
   * the limit plus one result. A closed connection accepts (its call then gives the result back).
   * true reserves `bytes` until releaseReply().
   */
  reserveReply(bytes: number): boolean {
    const outstanding = this.connection.bufferedBytes + this.reservedReplyBytes;
    if (!this.callerGone && outstanding >= REPLY_BACKLOG_LIMIT) return false;
    this.reservedReplyBytes += bytes;
    return true;
  }

  releaseReply(bytes: number): void {
    this.reservedReplyBytes -= bytes;
    // After the reply has been written (it is sent a few microtasks later), see if more may come.
    if (this.receivableListeners !== undefined && this.receivableListeners.size > 0) setImmediate(() => this.notifyIfReceivable());
  }

  whenReceivable(listener: () => void): void {
    (this.receivableListeners ??= new Set()).add(listener);
    if (this.connection.bufferedBytes >= REPLY_BACKLOG_LIMIT) this.watchDrain();
  }

  private watchDrain(): void {
    if (this.drainWatched) return;
    this.drainWatched = true;
    this.connection.socket.once('drain', () => {
      this.drainWatched = false;
      this.notifyIfReceivable();
    });
  }

  private notifyIfReceivable(): void {
    const listeners = this.receivableListeners;
    if (listeners === undefined || listeners.size === 0 || this.callerGone) return;
    if (this.connection.bufferedBytes + this.reservedReplyBytes >= REPLY_BACKLOG_LIMIT) {
      if (this.connection.bufferedBytes >= REPLY_BACKLOG_LIMIT) this.watchDrain();
      return; // the reservations still outstanding call again once released
    }
    const now = [...listeners];
    listeners.clear();
    for (const listener of now) {
      try {
        listener();
      } catch (err) {
        log('%s: handing over waiting results failed: %O', this.label, err);
      }
    }
  }

  /** Cancels every waiting call (the caller is gone or the server is stopping). */
  abortAll(reason: Error): void {
    const calls = this.cancellable;
    if (calls === undefined) return;
    for (const controller of calls.values()) controller.abort(reason);
    calls.clear();
  }

  /** Lets the call `requestId` be cancelled by the client (its method asked for the signal). */
  trackCancellable(requestId: number, controller: AbortController): void {
    (this.cancellable ??= new Map()).set(requestId, controller);
  }

  /** abortAll() because the caller is gone; the error is made only if something waits. */
  private abortWaits(): void {
    if (this.cancellable !== undefined && this.cancellable.size > 0) this.abortAll(new ConnectionClosedError('the caller disconnected'));
  }

  /** Encodes with the shared codec, on behalf of this session (its references, its ownership). */
  private encode(message: unknown[]): Uint8Array {
    const shared = this.shared;
    const outer = shared.current;
    shared.current = this;
    try {
      return shared.codec.encodeShared(message);
    } finally {
      shared.current = outer;
    }
  }

  /** As encode(), leaving large Uint8Arrays out of the copy (Codec.encodeForSend): for replies. */
  private encodeForSend(message: unknown[]): OutboundMessage {
    const shared = this.shared;
    const outer = shared.current;
    shared.current = this;
    try {
      return shared.codec.encodeForSend(message);
    } finally {
      shared.current = outer;
    }
  }

  /** `owned`: the payload is this session's to keep (a frame just received), not a view to copy from. */
  private decode(payload: Uint8Array, owned: boolean): unknown {
    const shared = this.shared;
    const outer = shared.current;
    shared.current = this;
    try {
      return owned ? shared.codec.decodeOwned(payload) : shared.codec.decode(payload);
    } finally {
      shared.current = outer;
    }
  }

  /** Each frame the client sends (Connection.attach). */
  handleFrame(payload: Buffer, owned = true): void {
    this.bytesIn += payload.length;
    noteMessageSize(payload.length);
    let message: unknown;
    this.forgedRef = undefined;
    try {
      message = this.decode(payload, owned);
    } catch (err) {
      return this.protocolViolation(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
    if (!Array.isArray(message)) return this.protocolViolation(new ProtocolError('a message must be an array'));
    if (this.forgedRef !== undefined) return this.refuseForged(message, this.forgedRef);
    switch (message[0]) {
      case MessageType.Request:
        return this.onRequest(message);
      case MessageType.Cancel:
        this.cancellable?.get(message[1])?.abort(new AbortError('cancelled by the client'));
        return;
      case MessageType.Ping:
        this.send([MessageType.Pong, message[1]]);
        return;
      case MessageType.Pong:
        return;
      default:
        return this.protocolViolation(new ProtocolError(`unknown message type ${String(message[0])}`));
    }
  }

  private onRequest(message: unknown[]): void {
    const [, requestId, objectId, method, args, kwargs] = message;
    if (
      message.length !== 6 ||
      !Number.isSafeInteger(requestId) ||
      (requestId as number) < 1 || // ids are positive: 0 is the goodbye's (docs/protocol.md)
      (objectId !== null && typeof objectId !== 'string') ||
      typeof method !== 'string' ||
      !Array.isArray(args) ||
      (kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs)))
    ) {
      return this.protocolViolation(new ProtocolError('malformed request'));
    }
    const id = requestId as number;
    this.requestsReceived++;
    if (this.inFlight >= this.maxInFlight) return this.replyError(id, this.overInFlightLimit());
    let result: unknown;
    let entry: ObjectEntry | undefined;
    const outerPolicy = enterCallPolicy(this.host.policy);
    try {
      if (objectId === null) {
        result = this.host.control(this, method, args, kwargs as Record<string, unknown> | null);
      } else {
        entry = this.host.table.get(this.host.strictReferences ? this.requireReference(objectId) : objectId);
        const context = entry.takesContext ? this.contextFor(id, entry) : undefined;
        result = dispatch(entry, method, args, kwargs as Record<string, unknown> | null, context);
      }
    } catch (err) {
      return this.replyError(id, err);
    } finally {
      leaveCallPolicy(outerPolicy);
    }
    const typeid = entry?.methodToTypeid?.[method];
    if (result instanceof Promise) {
      this.inFlight++;
      result.then(
        (value) => {
          this.inFlight--;
          this.replyValue(id, typeid === undefined ? value : this.adoptOrError(typeid, value, id));
        },
        (err) => {
          this.inFlight--;
          this.replyError(id, err);
        },
      );
    } else {
      this.replyValue(id, typeid === undefined ? result : this.adoptOrError(typeid, result, id));
    }
  }

  /**
   * Returns `id` if this connection may use it: always, unless strictReferences is on; then only
   * while it holds a reference to it. Throws PermissionError otherwise.
   */
  requireReference(id: string): string {
    if (!this.host.strictReferences || this.host.table.holds(this, id)) return id;
    log('%s: refused object id %s, which this connection holds no reference to (strictReferences)', this.label, id);
    throw new PermissionError(`this connection holds no reference to object '${id}' (the server's strictReferences option)`);
  }

  /** A message carried a reference this connection does not hold: its request is refused. */
  private refuseForged(message: unknown[], id: string): void {
    this.forgedRef = undefined;
    const requestId = message[1];
    if (message[0] !== MessageType.Request || !Number.isSafeInteger(requestId)) {
      return this.protocolViolation(new ProtocolError(`a message carried object '${id}', which this connection holds no reference to`));
    }
    this.requestsReceived++;
    try {
      this.requireReference(id);
    } catch (err) {
      this.replyError(requestId as number, err);
    }
  }

  private adoptOrError(typeid: string, value: unknown, id: number): unknown {
    try {
      return this.host.adopt(this, typeid, value);
    } catch (err) {
      this.replyError(id, err);
      return NOT_SENT;
    }
  }

  private contextFor(requestId: number, entry: ObjectEntry): CallContext {
    (this.touched ??= new Set()).add(entry);
    return new SessionCallContext(this, requestId);
  }

  private replyValue(requestId: number, value: unknown): void {
    if (value === NOT_SENT) return;
    this.cancellable?.delete(requestId);
    if (this.closed) return;
    let bytes: OutboundMessage;
    try {
      bytes = this.encodeForSend([MessageType.Reply, requestId, ReplyKind.Return, value]);
    } catch (err) {
      log('%s: cannot encode the reply to request %d: %O', this.label, requestId, err);
      if (err instanceof LimitError) {
        // Larger than the client may accept: refused, not sent (and its buffer was not built).
        return this.replyError(requestId, new LimitError(`the reply ${err.message} (the server's maxFrameSize)`, 'maxFrameSize'));
      }
      return this.replyError(requestId, new PyTypeError(`the result could not be serialized: ${(err as Error).message}`));
    }
    if (bytes.length > this.connection.peerMaxFrameSize) return this.replyTooLarge(requestId, bytes);
    this.write(bytes);
  }

  /** A reply larger than the client said it accepts (docs/protocol.md §3.1) goes as a LimitError instead. */
  private replyTooLarge(requestId: number, bytes: OutboundMessage): void {
    const limit = this.connection.peerMaxFrameSize;
    if (bytes instanceof Uint8Array && largeBuffers.lends(bytes.buffer)) largeBuffers.give(bytes.buffer);
    log('%s: a %d-byte reply to request %d exceeds the client limit (%d)', this.label, bytes.length, requestId, limit);
    this.replyError(
      requestId,
      new LimitError(`the reply takes ${bytes.length} bytes encoded, more than the ${limit} bytes the client accepts (its maxFrameSize)`, 'maxFrameSize'),
    );
  }

  private replyError(requestId: number, err: unknown): void {
    this.cancellable?.delete(requestId);
    if (this.closed) return;
    const error = err instanceof Error ? err : new ManagerError(`non-Error thrown: ${String(err)}`);
    let bytes: Uint8Array;
    try {
      bytes = this.encode([MessageType.Reply, requestId, ReplyKind.Error, error]);
    } catch (encodeErr) {
      log('%s: cannot encode an error reply: %O', this.label, encodeErr);
      // Its fields could not be encoded, or it is too large (a message quoting a huge value): cut it.
      const text = `${String(error.name)}: ${String(error.message)}`;
      const half = ERROR_TEXT_MAX / 2;
      const short = text.length > ERROR_TEXT_MAX ? `${text.slice(0, half)} [${text.length - 2 * half} characters cut] ${text.slice(-half)}` : text;
      bytes = this.encode([MessageType.Reply, requestId, ReplyKind.Error, new ManagerError(short)]);
    }
    this.write(bytes);
  }

  send(message: unknown[]): void {
    if (!this.closed) this.write(this.encode(message));
  }

  /**
   * Sends what the codec just encoded (a small message is a view into its reused buffer, which the
   * connection copies); when the client leaves too many reply bytes unread, stops reading its
   * requests until the socket drains (backpressure instead of an unbounded reply buffer).
   */
  private write(bytes: OutboundMessage): void {
    this.bytesOut += bytes.length;
    noteMessageSize(bytes.length);
    this.connection.send(bytes, bytes instanceof Uint8Array && bytes.length <= SHARED_ENCODING_MAX);
    if (this.connection.bufferedBytes > REPLY_BACKLOG_LIMIT && !this.connection.readingIsPaused) {
      log('%s: %d reply bytes unread; pausing its requests until they drain', this.label, this.connection.bufferedBytes);
      this.connection.pauseReading();
      this.connection.socket.once('drain', () => this.connection.resumeReading());
    }
  }

  private overInFlightLimit(): LimitError {
    return new LimitError(
      `this connection already has ${this.inFlight} calls waiting for a reply (the server's maxInFlight limit); ` +
        'request refused',
      'maxInFlight',
    );
  }

  /** Tells the client what was wrong (it rejects its calls with that), then hangs up. */
  private protocolViolation(error: ProtocolError): void {
    log('%s: protocol violation, closing: %s', this.label, error.message);
    this.send(goodbyeMessage(error));
    this.connection.close();
  }

  /**
   * A client never half-closes: its EOF means it is gone. Abort its waits at once rather than when
   * the socket has finished closing (milliseconds later), so that nothing is handed to it in
   * between (a queue item, a lock, a notify).
   */
  handlePeerEnd(): void {
    this.abortWaits();
  }

  /** The connection has ended (Connection.attach). */
  handleClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) log('%s: connection closed: %s', this.label, error.message);
    this.abortWaits();
    this.host.sessionClosed(this, this.touched ?? NOTHING_TOUCHED);
    this.touched?.clear();
  }

  // ---- references crossing this connection (called by the shared codec's hooks)

  toWire(value: object): WireRef | undefined {
    if (value instanceof OwnedRef) return value.wire;
    if (value instanceof ServerRef) {
      const entry = this.host.table.entries.get(value.token.id);
      if (entry !== undefined) return this.host.table.wireRef(entry, this);
      return { typeid: value.token.typeid, address: value.token.address, id: value.token.id, kind: 'auto', exposed: [] };
    }
    if (value instanceof Token) return { typeid: value.typeid, address: value.address, id: value.id, foreign: true };
    return undefined;
  }

  fromWire(ref: WireRef): unknown {
    // The client marks references to other servers' objects as foreign; the rest are ours.
    if (ref.foreign) return new Token(ref.typeid, ref.address, ref.id);
    if (this.host.strictReferences && !this.host.table.holds(this, ref.id)) {
      // Refused once the whole message is decoded (refuseForged); until then a Token holds nothing.
      this.forgedRef ??= ref.id;
      return new Token(ref.typeid, undefined, ref.id);
    }
    return this.host.table.makeServerRef(ref.typeid, ref.id);
  }
}

const NOT_SENT = Symbol('not sent');
/** The most characters of an error's name and message sent when the error itself cannot be encoded. */
const ERROR_TEXT_MAX = 64 * 1024;
/** What a session that never called an ownership-tracking method hands sessionClosed. */
const NOTHING_TOUCHED: ReadonlySet<ObjectEntry> = new Set();
