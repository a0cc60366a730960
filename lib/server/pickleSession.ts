// One connection from a CPython client (serializer 'pickle'), served as CPython's own Server does
// (python-managers.md §3): no request ids, one request at a time. The first request decides what
// the connection is: `accept_connection` makes it a proxy connection (requests against shared
// objects until EOF); any other control operation (create, incref, decref, get_methods, dummy...)
// is answered and the connection closed. Replies are ('#RETURN', value), ('#ERROR', exception),
// ('#TRACEBACK', text), ('#PROXY', (exposed, Token)) or ('#UNSERIALIZABLE', text).
// The object table, dispatch, exposure rules and sync hosts are the ones msgpack sessions use.
import createDebug from 'debug';
import type { Connection } from '../connection/connection.js';
import { PyArray, inScratch, readCall, readPickle, writePickle, writePickleTransient, tuple, type PickleReadOptions, type PickleWriteOptions } from '../codec/pickle/index.js';
import { AttributeError, ConnectionClosedError, ManagerError, ProtocolError } from '../errors.js';
import { Token, type WireRef } from '../protocol.js';
import type { Address } from '../connection/address.js';
import { ServerRef } from './serverRef.js';
import { OwnedRef } from './ownedRef.js';
import { dispatch } from './dispatch.js';
import type { CallContext } from './callContext.js';
import type { ObjectEntry, ObjectTable } from './objectTable.js';
import { createArgs, positionalArgs, pythonInteger } from './pythonCalls.js';
import { SharedArray, Value } from './adapters/index.js';
import { keepPolling, requestArrived } from './busyPoll.js';

const log = createDebug('mpmanagers:server');

/** What a pickle session needs from its server. */
export interface PickleSessionHost {
  readonly table: ObjectTable;
  readonly address: Address | undefined;
  /**
   * The owner of every reference a Python client holds. CPython counts references per object, not
   * per connection (create, incref and decref each come on a connection of their own), so they
   * outlive the connection that took them, and a crashed Python client leaks them, as with CPython.
   */
  readonly pythonClients: object;
  create(owner: object, typeid: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<OwnedRef>;
  adopt(owner: object, typeid: string, value: unknown): OwnedRef;
  requestShutdown(): void;
  sessionClosed(session: PickleSession, touched: ReadonlySet<ObjectEntry>): void;
}

/** Tokens written as Tokens (a #PROXY reply's); any other Token here stands for another server's proxy. */
const literalTokens = new WeakSet<Token>();

/** CPython's Server.public: what a connection's first request may be. */
const CONTROL = new Set(['create', 'incref', 'decref', 'get_methods', 'debug_info', 'number_of_objects', 'shutdown', 'dummy', 'accept_connection']);
/** Names served even when not exposed (CPython's fallback_mapping). */
const FALLBACKS = new Set(['#GETVALUE', '__repr__', '__str__']);
/** The reply to most calls that return nothing (a setter, a put, a release), written once. */
const RETURN_NONE = writePickle(tuple('#RETURN', null));

export class PickleSession {
  private mode: 'first' | 'proxy' | 'done' = 'first';
  /** A request is being served: CPython clients never send the next one before the reply. */
  private busy = false;
  /** Aborted when the connection ends: the signal of the call being served. */
  private readonly gone = new AbortController();
  private touched: Set<ObjectEntry> | undefined;
  /** The codec's hooks for this connection (made on the first request, then used for every one). */
  private codecHooks: (PickleReadOptions & PickleWriteOptions) | undefined;
  closed = false;
  requestsReceived = 0;
  inFlight = 0;
  /** Bytes of frames received and sent (for `describe`). */
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    private readonly host: PickleSessionHost,
    readonly connection: Connection,
  ) {
    connection.attach(this);
  }

  get label(): string {
    return this.connection.remoteLabel;
  }

  get callerGone(): boolean {
    return this.closed || this.connection.closed;
  }

  handleFrame(payload: Buffer): void {
    requestArrived(this);
    this.requestsReceived++;
    this.bytesIn += payload.length;
    if (this.mode === 'done') return; // a control connection: answered, and closing
    if (this.busy) {
      log('%s: a request before the reply to the previous one (CPython clients never pipeline); closing', this.label);
      return this.connection.close();
    }
    let message: unknown;
    try {
      // Most requests are (ident, method, simple args, {}): read by a fast path, the rest by the full reader.
      message = readCall(payload) ?? readPickle(payload, this.hooks());
    } catch (err) {
      const error = err instanceof ProtocolError ? err : new ProtocolError(String(err));
      log('%s: refused a request: %s', this.label, error.message);
      // The frame was whole, so the stream is still in step: answer, and keep serving a proxy connection.
      return this.reply('#TRACEBACK', `ProtocolError: ${error.message}`);
    }
    if (!Array.isArray(message) || message.length !== 4 || typeof message[1] !== 'string' || !Array.isArray(message[2])) {
      log('%s: malformed request', this.label);
      return this.reply('#TRACEBACK', 'ProtocolError: a request must be (ident, methodname, args, kwds)');
    }
    const [ident, method, args, kwds] = message as [unknown, string, unknown[], unknown];
    const kwargs = kwds === null || kwds === undefined ? null : kwds instanceof Map ? Object.fromEntries(kwds) : (kwds as Record<string, unknown>);
    this.busy = true;
    this.inFlight = 1;
    let served: Promise<void> | undefined;
    try {
      served = this.mode === 'first' ? this.serveFirst(method, args, kwargs) : this.serveCall(ident, method, args, kwargs);
    } catch (err) {
      log('%s: serving %s failed: %O', this.label, method, err);
    }
    // Most calls are answered at once (a dict get, a put): only a call still waiting keeps the connection busy.
    if (served === undefined) this.idle();
    else served.then(this.idle, (err: unknown) => {
      this.idle();
      log('%s: serving %s failed: %O', this.label, method, err);
    });
  }

  /** The request being served is answered (a bound arrow: passed to then() for every waiting call). */
  private readonly idle = (): void => {
    this.busy = false;
    this.inFlight = 0;
  };

  private hooks(): PickleReadOptions & PickleWriteOptions {
    return (this.codecHooks ??= { fromWire: (ref) => this.fromWire(ref), toWire: (v) => this.toWire(v) });
  }

  /** The first request of a connection: a control operation (CPython's handle_request). */
  private async serveFirst(method: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<void> {
    if (!CONTROL.has(method)) {
      this.reply('#TRACEBACK', `AssertionError: '${method}' unrecognized`);
      return this.finishControl();
    }
    if (method === 'accept_connection') {
      this.mode = 'proxy';
      return this.reply('#RETURN', null);
    }
    let result: unknown;
    try {
      result = await this.control(method, args, kwargs);
    } catch (err) {
      this.reply('#TRACEBACK', tracebackText(err));
      return this.finishControl();
    }
    this.reply('#RETURN', result);
    if (method === 'shutdown') this.host.requestShutdown();
    this.finishControl();
  }

  private finishControl(): void {
    this.mode = 'done';
    this.connection.close();
  }

  private async control(method: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<unknown> {
    const { table, pythonClients } = this.host;
    switch (method) {
      case 'create': {
        const [typeid, ...rest] = args;
        if (typeof typeid !== 'string') throw new ManagerError('create: typeid must be a str');
        const ref = await this.host.create(pythonClients, typeid, createArgs(typeid, rest, kwargs), null);
        return tuple<unknown>(ref.wire.id, tuple(...(ref.wire.exposed ?? [])));
      }
      case 'incref':
        table.incref(pythonClients, idOf(args[0]));
        return null;
      case 'decref':
        table.decref(pythonClients, idOf(args[0]));
        return null;
      case 'get_methods':
        return tuple(...table.get(idOf(args[0])).exposedList);
      case 'debug_info':
        return table.debugInfo();
      case 'number_of_objects':
        return table.numberOfObjects();
      default: // dummy, shutdown
        return null;
    }
  }

  /**
   * A request on a proxy connection (CPython's serve_client). Answered before returning when the
   * method's result is not a promise; otherwise returns a promise settled once it is answered.
   */
  private serveCall(ident: unknown, method: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<void> | undefined {
    let entry: ObjectEntry;
    try {
      entry = this.host.table.get(idOf(ident));
      if (!entry.exposed.has(method) && !FALLBACKS.has(method)) {
        const names = entry.exposedList.map((m) => `'${m}'`).join(', ');
        throw new AttributeError(`method '${method}' of ${entry.typeid} object is not in exposed=(${names})`);
      }
    } catch (err) {
      // Failures of the dispatch machinery travel as text (RemoteError on the client), as CPython's.
      this.reply('#TRACEBACK', tracebackText(err));
      return undefined;
    }
    let result: unknown;
    try {
      const context = entry.takesContext ? this.contextFor(entry) : undefined;
      let callArgs = positionalArgs(method, args, kwargs);
      if (method === 'set' && entry.referent instanceof Value) callArgs = [pythonInteger(entry.referent.typecode, callArgs[0])];
      result = dispatch(entry, method, callArgs, null, context);
    } catch (err) {
      this.replyError(err);
      return undefined;
    }
    // As `await` would: a promise (or any thenable) is waited for; anything else is the result.
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.replyResult(entry, method, value),
        (err: unknown) => this.replyError(err),
      );
    }
    this.replyResult(entry, method, result);
    return undefined;
  }

  private replyError(err: unknown): void {
    this.reply('#ERROR', err instanceof Error ? err : new ManagerError(String(err)));
  }

  /** A method's result: returned as a value, or as a new shared object (a method_to_typeid method). */
  private replyResult(entry: ObjectEntry, method: string, result: unknown): void {
    const typeid = entry.methodToTypeid?.[method];
    if (typeid === undefined) return this.reply('#RETURN', asPython(entry, method, result));
    let ref: OwnedRef;
    try {
      ref = this.host.adopt(this.host.pythonClients, typeid, result);
    } catch (err) {
      return this.reply('#TRACEBACK', tracebackText(err));
    }
    const wire = ref.wire;
    const token = new Token(wire.typeid, wire.address, wire.id);
    literalTokens.add(token);
    this.reply('#PROXY', tuple<unknown>(tuple(...(wire.exposed ?? [])), token));
  }

  private contextFor(entry: ObjectEntry): CallContext {
    (this.touched ??= new Set()).add(entry);
    return this.context;
  }

  /** This connection as the caller: the owner of RLocks (one Python thread, as CPython's server thread). */
  private readonly context: CallContext = contextOf(this, this.gone.signal);

  private reply(kind: string, value: unknown): void {
    if (this.callerGone) return;
    let bytes: Buffer;
    if (kind === '#RETURN' && (value === null || value === undefined)) bytes = RETURN_NONE;
    else {
      try {
        bytes = writePickleTransient(tuple(kind, value), this.hooks());
      } catch (err) {
        log('%s: cannot pickle the %s reply: %O', this.label, kind, err);
        bytes = writePickle(tuple('#UNSERIALIZABLE', tracebackText(err)));
      }
    }
    this.bytesOut += bytes.length;
    // Written now (CPython's client waits for it; nothing else goes out on this connection in the
    // turn) and copied at once: the pickle may be in the codec's scratch buffer.
    this.connection.sendNow(bytes, inScratch(bytes));
    keepPolling(this); // another client's request may come within µs: stay awake for it (busyPoll.ts)
  }

  // ---- references crossing this connection

  /** A shared object in a reply: Python's RebuildProxy increfs it when it unpickles the proxy. */
  private toWire(value: object): WireRef | undefined {
    if (value instanceof ServerRef) {
      const entry = this.host.table.entries.get(value.token.id);
      if (entry !== undefined) return { typeid: entry.typeid, address: this.host.address, id: entry.id, exposed: entry.exposedList, kind: entry.kind };
      return { typeid: value.token.typeid, address: value.token.address, id: value.token.id, kind: 'auto' };
    }
    if (value instanceof Token && !literalTokens.has(value)) return { typeid: value.typeid, address: value.address, id: value.id, kind: 'auto' };
    if (value instanceof OwnedRef) return value.wire;
    return undefined;
  }

  /** A proxy in a request: ours becomes a ServerRef (it keeps the object alive while held), another server's stays a Token. */
  private fromWire(ref: WireRef): unknown {
    const entry = this.host.table.entries.get(ref.id);
    if (entry !== undefined && entry.typeid === ref.typeid) return this.host.table.makeServerRef(ref.typeid, ref.id);
    return new Token(ref.typeid, ref.address, ref.id);
  }

  handlePeerEnd(): void {
    this.gone.abort(new ConnectionClosedError('the caller disconnected'));
  }

  handleClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) log('%s: connection closed: %s', this.label, error.message);
    this.gone.abort(new ConnectionClosedError('the caller disconnected'));
    this.host.sessionClosed(this, this.touched ?? new Set());
  }
}

function contextOf(session: PickleSession, signal: AbortSignal): CallContext {
  return {
    owner: session,
    signal,
    get callerGone(): boolean {
      return session.callerGone;
    },
    // One request at a time per connection, each reply written before the next request is read:
    // the connection's own backpressure bounds what is held for it, so a result may always go.
    reserveReply: () => true,
    releaseReply: () => undefined,
    whenReceivable: (listener) => setImmediate(listener),
  };
}

/** A result as CPython's server would return it: an Array's slice or value is an array.array, not a list. */
function asPython(entry: ObjectEntry, method: string, result: unknown): unknown {
  const array = entry.referent;
  if (!(array instanceof SharedArray) || !Array.isArray(result)) return result;
  return method === '__getitem__' || method === '#GETVALUE' ? new PyArray(array.typecode, result) : result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function idOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Token) return value.id;
  throw new ManagerError(`expected an object id (str), not ${value === null ? 'None' : typeof value}`);
}

/** What a '#TRACEBACK' carries: the error's class and message (no server file paths, unlike CPython). */
function tracebackText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
