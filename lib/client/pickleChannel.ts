// A Channel to a manager that speaks CPython's protocol (serializer 'pickle'): a CPython manager,
// or ours in pickle mode. CPython serves one request at a time per connection and has no request
// ids, so this opens connections as CPython's proxies do: each control operation (create, incref,
// decref, ...) on a connection of its own; calls on an object on a proxy connection
// (`accept_connection`) kept for that object and reused by its next call. Concurrent calls on one
// object (two waiting `get`s) each get a connection. RLock and Condition ownership on the server
// is per connection: sequential calls through one proxy share one, as a Python thread's do.
import createDebug from 'debug';
import { Connection } from '../connection/connection.js';
import { formatAddress, type Address } from '../connection/address.js';
import { readPickle, writePickle, tuple } from '../codec/pickle/index.js';
import { AbortError, ConnectionClosedError, ProtocolError, RemoteError } from '../errors.js';
import { Token, type ProxyKind, type WireRef } from '../protocol.js';
import type { Channel } from './channel.js';

const log = createDebug('mpmanagers:client');

/** How references cross this channel: the owning manager turns them into proxies and back. */
export interface PickleRefAdapter {
  toWire(value: object, channel: Channel): WireRef | undefined;
  fromWire(ref: WireRef, channel: Channel): unknown;
}

export interface PickleChannelOptions {
  /** Seconds allowed for connect + handshake of each connection. Default 5. */
  handshakeTimeout?: number;
  /** Largest reply accepted, in bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /** Answer a CPython 3.11 server's legacy HMAC-MD5 challenge (weaker; see SECURITY.md). Default false. */
  legacyAuth?: boolean;
}

/** What CPython's BaseProxy names the connection (its thread name on the server). */
const CONNECTION_NAME = 'MainProcess|node';

export class PickleChannel implements Channel {
  /** Idle proxy connections, by object id. */
  private readonly idle = new Map<string, ReplyConnection[]>();
  private readonly busy = new Set<ReplyConnection>();
  /** Increfs sent for proxies rebuilt from replies, by id: a decref of that id waits for them. */
  private readonly increfs = new Map<string, Promise<unknown>>();
  private closeError: Error | undefined;

  private constructor(
    readonly address: Address,
    private readonly authkey: Uint8Array,
    private readonly refs: PickleRefAdapter,
    private readonly options: PickleChannelOptions,
  ) {}

  /** Checks that the server answers (CPython's `connect()` sends `dummy`). */
  static async open(address: Address, authkey: Uint8Array, refs: PickleRefAdapter, options: PickleChannelOptions = {}): Promise<PickleChannel> {
    const channel = new PickleChannel(address, authkey, refs, options);
    await channel.call(null, 'dummy');
    return channel;
  }

  get closed(): boolean {
    return this.closeError !== undefined;
  }

  call(
    objectId: string | null,
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> | null = null,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.closeError !== undefined) return Promise.reject(this.closeError);
    if (objectId === null) return this.control(method, args, kwargs);
    return this.objectCall(objectId, method, args, kwargs, signal);
  }

  /** Closes every connection; calls in progress reject ConnectionClosedError. */
  close(): void {
    if (this.closeError !== undefined) return;
    this.closeError = new ConnectionClosedError(`this client closed its connections to ${formatAddress(this.address)}`);
    for (const list of this.idle.values()) for (const conn of list) conn.close();
    for (const conn of this.busy) conn.close();
    this.idle.clear();
    this.busy.clear();
  }

  /** For BaseManager's reconnection; a pickle channel opens connections as it needs them. */
  supersede(_error: ConnectionClosedError): void {}

  // ---- control operations: one connection each

  private async control(method: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<unknown> {
    if (method === 'decref') {
      const id = args[0] as string;
      await this.increfs.get(id)?.catch(() => undefined);
      this.dropIdle(id);
    }
    if (method === 'create') [args, kwargs] = pythonCreateCall(args, kwargs);
    // CPython's get_methods takes a Token (it reads only its id).
    if (method === 'get_methods' && typeof args[0] === 'string') args = [new Token('', this.address, args[0])];
    const conn = await this.open();
    try {
      const result = await conn.request(tuple<unknown>(null, method, tuple(...args), kwargs ?? {}));
      if (method === 'create') return this.createdProxy(args[0] as string, result);
      return result;
    } finally {
      conn.close();
    }
  }

  /** `create` returned (ident, exposed): the proxy takes over the reference create counted. */
  private createdProxy(typeid: string, result: unknown): unknown {
    if (!Array.isArray(result) || result.length !== 2 || typeof result[0] !== 'string' || !Array.isArray(result[1])) {
      throw new ProtocolError('create: the server did not reply (ident, exposed)');
    }
    const kind: ProxyKind = typeid === 'list' ? 'list' : typeid === 'dict' ? 'dict' : 'auto';
    return this.refs.fromWire({ typeid, address: this.address, id: result[0], exposed: [...(result[1] as string[])], kind }, this);
  }

  // ---- calls on objects: proxy connections, kept per object

  private async objectCall(
    objectId: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown> | null,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (signal?.aborted) throw new AbortError('aborted before the call was sent');
    const conn = this.idle.get(objectId)?.pop() ?? (await this.openProxyConnection());
    this.busy.add(conn);
    const onAbort = (): void => conn.destroy(new AbortError('cancelled by the caller'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await conn.request(tuple<unknown>(objectId, method, tuple(...args), kwargs ?? {}));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.busy.delete(conn);
      if (!conn.closed && this.closeError === undefined) {
        let list = this.idle.get(objectId);
        if (list === undefined) this.idle.set(objectId, (list = []));
        list.push(conn);
      }
    }
  }

  private async openProxyConnection(): Promise<ReplyConnection> {
    const conn = await this.open();
    await conn.request(tuple<unknown>(null, 'accept_connection', tuple(CONNECTION_NAME), {}));
    return conn;
  }

  private dropIdle(id: string): void {
    const list = this.idle.get(id);
    if (list === undefined) return;
    this.idle.delete(id);
    for (const conn of list) conn.close();
  }

  private async open(): Promise<ReplyConnection> {
    const connection = await Connection.connect(this.address, {
      authkey: this.authkey,
      handshakeTimeout: this.options.handshakeTimeout,
      maxFrameSize: this.options.maxFrameSize,
      allowLegacyMd5: this.options.legacyAuth ?? false,
    });
    if (this.closeError !== undefined) {
      connection.close();
      throw this.closeError;
    }
    return new ReplyConnection(connection, this);
  }

  // ---- references

  /** A proxy of ours in a request: RebuildProxy, with its exposed names (CPython's server then needs no get_methods). */
  toWire(value: object): WireRef | undefined {
    const ref = this.refs.toWire(value, this);
    if (ref === undefined) return undefined;
    const exposed = (value as { _exposed?: readonly string[] })._exposed;
    return { ...ref, address: ref.address ?? this.address, ...(exposed !== undefined && exposed.length > 0 ? { exposed: [...exposed] } : {}) };
  }

  /** A proxy in a reply: as CPython's RebuildProxy, the new proxy takes its own reference (incref). */
  fromWire(ref: WireRef): unknown {
    // Another server's proxy passes through as its Token (as on the msgpack path).
    if (!this.isThisServer(ref.address)) return new Token(ref.typeid, ref.address, ref.id);
    const proxy = this.refs.fromWire({ ...ref, address: this.address, kind: ref.kind ?? 'auto' }, this);
    const incref = this.control('incref', [ref.id], null);
    this.increfs.set(ref.id, incref);
    incref
      .catch((err: unknown) => log('incref of %s (a proxy in a reply) failed: %O', ref.id, err))
      .finally(() => {
        if (this.increfs.get(ref.id) === incref) this.increfs.delete(ref.id);
      });
    return proxy;
  }

  /**
   * Whether a token's address is this channel's server. TCP hosts are compared loosely (a server
   * bound to 127.0.0.1 may be reached as localhost, or report 0.0.0.0): the same port is enough.
   */
  private isThisServer(address: Address | undefined): boolean {
    if (address === undefined) return true;
    if (typeof address === 'string' || typeof this.address === 'string') return address === this.address;
    return address[1] === this.address[1];
  }

  /** A '#PROXY' reply: the server already counted the reference for us. */
  proxyFromToken(exposed: unknown, token: Token): unknown {
    const names = Array.isArray(exposed) ? exposed.filter((m): m is string => typeof m === 'string') : undefined;
    return this.refs.fromWire({ typeid: token.typeid, address: this.address, id: token.id, exposed: names, kind: 'auto' }, this);
  }
}

/** One connection with at most one request outstanding (CPython's server answers in order, one at a time). */
class ReplyConnection {
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private endError: Error | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly channel: PickleChannel,
  ) {
    connection.onFrame = (payload) => this.onReply(payload);
    connection.onClose = (error) => this.onEnd(error);
  }

  get closed(): boolean {
    return this.endError !== undefined || this.connection.closed;
  }

  request(message: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(this.endError ?? new ConnectionClosedError('the connection to the manager closed'));
    const bytes = writePickle(message, { toWire: (v) => this.channel.toWire(v) });
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.connection.send(bytes);
    });
  }

  close(): void {
    this.connection.close();
    this.onEnd(undefined);
  }

  destroy(error: Error): void {
    this.onEnd(error);
    this.connection.destroy(error);
  }

  private onReply(payload: Buffer): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) {
      log('a reply nobody asked for; closing that connection');
      return this.destroy(new ProtocolError('unexpected reply'));
    }
    try {
      const reply = readPickle(payload, { fromWire: (ref) => this.channel.fromWire(ref) });
      if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'string') throw new ProtocolError('a reply must be (kind, value)');
      const [kind, value] = reply as [string, unknown];
      switch (kind) {
        case '#RETURN':
          return pending.resolve(value);
        case '#ERROR':
          return pending.reject(value instanceof Error ? value : new RemoteError('Exception', String(value)));
        case '#TRACEBACK':
        case '#UNSERIALIZABLE':
          return pending.reject(tracebackError(kind, value));
        case '#PROXY': {
          const [exposed, token] = Array.isArray(value) ? (value as unknown[]) : [];
          if (!(token instanceof Token)) throw new ProtocolError('#PROXY without a Token');
          return pending.resolve(this.channel.proxyFromToken(exposed, token));
        }
        default:
          throw new ProtocolError(`unknown reply kind ${kind}`);
      }
    } catch (err) {
      const error = err instanceof ProtocolError ? err : new ProtocolError(String(err), { cause: err });
      pending.reject(error);
      this.destroy(error);
    }
  }

  private onEnd(error: Error | undefined): void {
    this.endError ??= error ?? new ConnectionClosedError('the connection to the manager closed');
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.endError);
  }
}

/**
 * Our managers' create arguments in CPython's calling convention, where they differ:
 * Namespace(init) is Namespace(**init); Barrier(parties, timeout) is Barrier(parties, timeout=...)
 * (CPython's second parameter is the action).
 */
function pythonCreateCall(args: unknown[], kwargs: Record<string, unknown> | null): [unknown[], Record<string, unknown> | null] {
  const [typeid, ...rest] = args;
  if (typeid === 'Namespace' && rest.length === 1 && typeof rest[0] === 'object' && rest[0] !== null) {
    const init = rest[0] instanceof Map ? Object.fromEntries(rest[0]) : (rest[0] as Record<string, unknown>);
    return [[typeid], { ...init, ...kwargs }];
  }
  if (typeid === 'Barrier' && rest.length === 2) {
    return [[typeid, rest[0]], rest[1] === null || rest[1] === undefined ? kwargs : { ...kwargs, timeout: rest[1] }];
  }
  return [args, kwargs];
}

/** A '#TRACEBACK' text as a RemoteError named for the exception on its last line. */
function tracebackError(kind: string, value: unknown): RemoteError {
  const text = typeof value === 'string' ? value : String(value);
  const last = text.trim().split('\n').pop() ?? '';
  const match = /^([A-Za-z_][\w.]*): ?(.*)$/.exec(last);
  if (kind === '#UNSERIALIZABLE') return new RemoteError('Unserializable', last, text);
  return match === null ? new RemoteError('RemoteError', last, text) : new RemoteError(match[1], match[2], text);
}


