// One authenticated client connection on the server: decodes its requests, dispatches them to
// shared objects, and writes replies in whatever order they complete. Any number of calls may be in
// flight; a call that waits (a queue get, a lock acquire) never holds up the others.
import createDebug from 'debug';
import type { Connection } from '../connection/connection.js';
import { Codec, type CodecOptions } from '../codec/codec.js';
import { ManagerError, ProtocolError, ConnectionClosedError, AbortError, TypeError as PyTypeError } from '../errors.js';
import { MessageType, ReplyKind, Token, type WireRef } from '../protocol.js';
import { ServerRef } from './serverRef.js';
import { OwnedRef } from './ownedRef.js';
import { dispatch } from './dispatch.js';
import type { CallContext } from './callContext.js';
import type { ObjectEntry, ObjectTable } from './objectTable.js';

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
}

export class ServerSession {
  /** Calls that can be cancelled (they asked for a signal), by request id. */
  private readonly cancellable = new Map<number, AbortController>();
  /** Objects whose ownership-tracking methods this session called: cleaned up when it closes. */
  private readonly touched = new Set<ObjectEntry>();
  private readonly codec: Codec;
  closed = false;

  constructor(
    private readonly host: SessionHost,
    readonly connection: Connection,
    codecOptions: CodecOptions | undefined,
  ) {
    this.codec = new Codec(
      {
        toWire: (value) => this.toWire(value),
        fromWire: (ref) => this.fromWire(ref),
      },
      codecOptions,
    );
    connection.onClose = (error) => this.onClose(error);
    connection.onFrame = (payload) => this.onFrame(payload);
  }

  get label(): string {
    return this.connection.remoteLabel;
  }

  /** Cancels every waiting call (the caller is gone or the server is stopping). */
  abortAll(reason: Error): void {
    for (const controller of this.cancellable.values()) controller.abort(reason);
    this.cancellable.clear();
  }

  private onFrame(payload: Buffer): void {
    let message: unknown;
    try {
      message = this.codec.decode(payload);
    } catch (err) {
      return this.protocolViolation(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
    if (!Array.isArray(message)) return this.protocolViolation(new ProtocolError('a message must be an array'));
    switch (message[0]) {
      case MessageType.Request:
        return this.onRequest(message);
      case MessageType.Cancel:
        this.cancellable.get(message[1])?.abort(new AbortError('cancelled by the client'));
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
      (objectId !== null && typeof objectId !== 'string') ||
      typeof method !== 'string' ||
      !Array.isArray(args) ||
      (kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs)))
    ) {
      return this.protocolViolation(new ProtocolError('malformed request'));
    }
    const id = requestId as number;
    let result: unknown;
    let entry: ObjectEntry | undefined;
    try {
      if (objectId === null) {
        result = this.host.control(this, method, args, kwargs as Record<string, unknown> | null);
      } else {
        entry = this.host.table.get(objectId);
        const context = entry.takesContext ? this.contextFor(id, entry) : undefined;
        result = dispatch(entry, method, args, kwargs as Record<string, unknown> | null, context);
      }
    } catch (err) {
      return this.replyError(id, err);
    }
    const typeid = entry?.methodToTypeid?.[method];
    if (result instanceof Promise) {
      result.then(
        (value) => this.replyValue(id, typeid === undefined ? value : this.adoptOrError(typeid, value, id)),
        (err) => this.replyError(id, err),
      );
    } else {
      this.replyValue(id, typeid === undefined ? result : this.adoptOrError(typeid, result, id));
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
    this.touched.add(entry);
    return new SessionCallContext(this, requestId, this.cancellable);
  }

  private replyValue(requestId: number, value: unknown): void {
    if (value === NOT_SENT) return;
    this.cancellable.delete(requestId);
    if (this.closed) return;
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encode([MessageType.Reply, requestId, ReplyKind.Return, value]);
    } catch (err) {
      log('%s: cannot encode the reply to request %d: %O', this.label, requestId, err);
      return this.replyError(requestId, new PyTypeError(`the result could not be serialized: ${(err as Error).message}`));
    }
    this.connection.send(bytes);
  }

  private replyError(requestId: number, err: unknown): void {
    this.cancellable.delete(requestId);
    if (this.closed) return;
    const error = err instanceof Error ? err : new ManagerError(`non-Error thrown: ${String(err)}`);
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encode([MessageType.Reply, requestId, ReplyKind.Error, error]);
    } catch (encodeErr) {
      log('%s: cannot encode an error reply: %O', this.label, encodeErr);
      bytes = this.codec.encode([MessageType.Reply, requestId, ReplyKind.Error, new ManagerError(`${error.name}: ${error.message}`)]);
    }
    this.connection.send(bytes);
  }

  send(message: unknown[]): void {
    if (!this.closed) this.connection.send(this.codec.encode(message));
  }

  private protocolViolation(error: ProtocolError): void {
    log('%s: protocol violation, closing: %s', this.label, error.message);
    this.connection.destroy(error);
  }

  private onClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) log('%s: connection closed: %s', this.label, error.message);
    this.abortAll(new ConnectionClosedError('the caller disconnected'));
    this.host.sessionClosed(this, this.touched);
    this.touched.clear();
  }

  // ---- references crossing this connection

  private toWire(value: object): WireRef | undefined {
    if (value instanceof OwnedRef) return value.wire;
    if (value instanceof ServerRef) {
      const entry = this.host.table.entries.get(value.token.id);
      if (entry !== undefined) return this.host.table.wireRef(entry, this);
      return { typeid: value.token.typeid, address: value.token.address, id: value.token.id, kind: 'auto', exposed: [] };
    }
    if (value instanceof Token) return { typeid: value.typeid, address: value.address, id: value.id, foreign: true };
    return undefined;
  }

  private fromWire(ref: WireRef): unknown {
    // The client marks references to other servers' objects as foreign; the rest are ours.
    if (ref.foreign) return new Token(ref.typeid, ref.address, ref.id);
    return this.host.table.makeServerRef(ref.typeid, ref.id);
  }
}

const NOT_SENT = Symbol('not sent');

/** The context of one call; its AbortController is made only if the method asks for the signal. */
class SessionCallContext implements CallContext {
  private controller: AbortController | undefined;

  constructor(
    private readonly session: ServerSession,
    private readonly requestId: number,
    private readonly cancellable: Map<number, AbortController>,
  ) {}

  get owner(): object {
    return this.session;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.session.closed) this.controller.abort(new ConnectionClosedError('the caller disconnected'));
      else this.cancellable.set(this.requestId, this.controller);
    }
    return this.controller.signal;
  }

  get callerGone(): boolean {
    return this.session.closed;
  }
}
