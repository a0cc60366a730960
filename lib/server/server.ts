// The manager server: listens, authenticates, and hosts shared objects for many client connections.
import createDebug from 'debug';
import { Listener } from '../connection/listener.js';
import type { Address } from '../connection/address.js';
import type { ListenOptions } from '../connection/options.js';
import { Heartbeat, heartbeatSettings, type HeartbeatOptions, type HeartbeatSettings } from '../connection/heartbeat.js';
import type { CodecOptions } from '../codec/codec.js';
import { ConnectionClosedError, LimitError, ManagerError, ValueError } from '../errors.js';
import { MessageType } from '../protocol.js';
import type { Registry } from './registry.js';
import { ObjectTable, type CreationQuota, type ObjectEntry } from './objectTable.js';
import { IdleSweeper, goodbyeMessage, limitSettings, refuseConnection, type LimitOptions, type LimitSettings } from './limits.js';
import { ServerSession, type SessionHost } from './session.js';
import { PickleSession, type PickleSessionHost } from './pickleSession.js';
import { runControl } from './control.js';
import { describeReferent } from './serve.js';
import { OwnedRef } from './ownedRef.js';
import { ServerStats } from './stats.js';
import { describeServer } from './describe.js';
import type { DescribeOptions, ServerDescription } from './description.js';
import { DEFAULT_MAX_FRAME_SIZE } from '../connection/framing.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from '../connection/options.js';
import type { CallPolicy } from './callPolicy.js';
import { moduleUrl } from '../process/modules.js';

const log = createDebug('mpmanagers:server');

/** Also: the limits (LimitOptions: maxConnections, maxInFlight, ...) and the heartbeat (HeartbeatOptions). */
export interface ServerOptions extends LimitOptions, HeartbeatOptions {
  /** Where to listen. Default `['127.0.0.1', 0]` (any free port). A string is a Unix socket path. */
  address?: Address;
  /** The shared secret both sides prove they know. Required. */
  authkey: Uint8Array;
  /** Seconds a new connection has to complete the handshake. Default 5. */
  handshakeTimeout?: number;
  /** Largest frame accepted after authentication, in bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /**
   * msgpack decode limits (see CodecOptions for the defaults). Replies are encoded with
   * `maxMessageSize` = maxFrameSize unless set here: a larger reply is answered with LimitError.
   */
  codec?: CodecOptions;
  /**
   * Release the locks, RLocks and semaphore units a client holds when its connection closes, so a
   * crashed client cannot deadlock the others. Default true (CPython never does).
   */
  releaseOnDisconnect?: boolean;
  /** Listen backlog. Default 128. */
  backlog?: number;
  /**
   * Serve over TLS with these options of Node's `tls.createServer` (key, cert; for mutual TLS also
   * ca, requestCert: true). The HMAC handshake still runs inside TLS. Default: no TLS.
   */
  tls?: ListenOptions['tls'];
  /**
   * The modules `manager.Pool` may run in this server's worker processes: paths (resolved against
   * the server's cwd) or file URL strings. A client naming any other module is refused with
   * PermissionError, and the refusal is logged. Default none: Pool runs nothing. Without this, any
   * holder of the key could make the server import any file it can read.
   */
  poolModules?: readonly string[];
  /**
   * A connection may only call, incref or pass as an argument the objects it holds a reference to:
   * those it created, was sent in a reply, or took a reference to (while it held one). Any other id
   * is refused with PermissionError (logged), so ids cannot be guessed or borrowed from another
   * client. A proxy handed to another process out of band (a Process argument) then works there only
   * if it reaches that process's connection through the server (a queue, a dict, a reply). Default false.
   */
  strictReferences?: boolean;
  /**
   * What the connections speak after the handshake: 'msgpack' (default; this library's multiplexed
   * protocol) or 'pickle' (CPython's own manager protocol, so that stock Python clients can connect;
   * see docs/protocol.md, "Pickle mode"). CPython's option name.
   */
  serializer?: 'msgpack' | 'pickle';
  /**
   * Also accept clients that can only prove the key with legacy HMAC-MD5 (CPython 3.11 and older).
   * Weaker (see SECURITY.md); default false, and such a client is refused with a log line saying so.
   */
  legacyAuth?: boolean;
}

type AnySession = ServerSession | PickleSession;

export class Server implements SessionHost, PickleSessionHost {
  readonly table: ObjectTable;
  private listener: Listener | undefined;
  private readonly sessions = new Set<AnySession>();
  /** The owner of the references Python clients hold (see PickleSessionHost.pythonClients). */
  readonly pythonClients: object = { toString: () => 'Python clients' };
  private closing: Promise<void> | undefined;
  private closedResolve!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.closedResolve = resolve));
  private readonly releaseOnDisconnect: boolean;
  private readonly limits: LimitSettings;
  private readonly heartbeatSettings: HeartbeatSettings | undefined;
  private readonly heartbeats = new Map<AnySession, Heartbeat>();
  private readonly idleSweeper: IdleSweeper<AnySession> | undefined;
  /** Live objects each connection created (maxObjectsPerConnection). */
  private readonly quotas = new WeakMap<object, CreationQuota>();
  /** Counters for `describe` (client ids, closed connections' totals, calls/s samples). */
  readonly stats = new ServerStats(this.sessions);
  /** What every call may do (the largest result, the pool modules). */
  readonly policy: CallPolicy;
  /** The codec options of every session: ServerOptions.codec, replies capped at maxFrameSize. */
  private readonly codecOptions: CodecOptions;
  /** ServerOptions.strictReferences. */
  readonly strictReferences: boolean;

  /** Throws ValueError for an invalid limit or heartbeat option. */
  constructor(
    readonly registry: Registry,
    private readonly options: ServerOptions,
  ) {
    this.table = new ObjectTable(() => this.address);
    if (options.serializer !== undefined && options.serializer !== 'msgpack' && options.serializer !== 'pickle') {
      throw new ValueError(`serializer must be 'msgpack' or 'pickle', not ${String(options.serializer)}`);
    }
    if (options.serializer === 'pickle' && options.strictReferences === true) {
      // CPython's protocol takes and drops references on connections of their own (create, incref,
      // decref each open one), so no connection can be said to hold one: refuse rather than pretend.
      throw new ValueError("strictReferences cannot apply to serializer 'pickle': CPython clients count references per object, not per connection");
    }
    this.releaseOnDisconnect = options.releaseOnDisconnect ?? true;
    this.strictReferences = options.strictReferences ?? false;
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.codecOptions = { ...options.codec, maxMessageSize: options.codec?.maxMessageSize ?? maxFrameSize };
    this.limits = limitSettings(options);
    this.heartbeatSettings = heartbeatSettings(options);
    this.policy = Object.freeze({
      maxResultBytes: maxFrameSize,
      poolModules: new Set((options.poolModules ?? []).map((module) => moduleUrl(module))),
    });
    const idleMs = this.limits.idleTimeoutMs;
    if (idleMs !== null) this.idleSweeper = new IdleSweeper(idleMs, (session) => this.closeIdle(session, idleMs / 1000));
  }

  /** The bound address once listening (port 0 resolved to the real port). */
  get address(): Address | undefined {
    return this.listener?.address;
  }

  /** Binds and starts accepting connections; resolves to the real address. */
  async listen(): Promise<Address> {
    if (this.closing !== undefined) throw new ManagerError('the server has been closed');
    if (this.listener !== undefined) return this.listener.address;
    const listener = await Listener.listen(this.options.address ?? ['127.0.0.1', 0], {
      authkey: this.options.authkey,
      handshakeTimeout: this.options.handshakeTimeout,
      maxFrameSize: this.options.maxFrameSize,
      backlog: this.options.backlog,
      tls: this.options.tls,
      allowLegacyMd5: this.options.legacyAuth ?? false,
    });
    listener.onConnection = (connection) => {
      if (this.closing !== undefined) return connection.close();
      if (this.sessions.size >= this.limits.maxConnections) {
        log('%s: refused: %d connections already (maxConnections)', connection.remoteLabel, this.sessions.size);
        const reason = `the server already has ${this.sessions.size} client connections (its maxConnections limit)`;
        return refuseConnection(connection, new LimitError(reason, 'maxConnections'));
      }
      const session =
        this.options.serializer === 'pickle' ? new PickleSession(this, connection) : new ServerSession(this, connection, this.codecOptions);
      this.sessions.add(session);
      this.stats.sessionOpened(session);
      this.watch(session);
      // Only when logging: a TCP peer's label costs a getpeername call (its later log lines reuse it).
      if (log.enabled) log('%s: connected (%d clients)', session.label, this.sessions.size);
    };
    listener.onAuthFailure = (error, remote) => log('%s: authentication failed: %s', remote, error.message);
    this.listener = listener;
    this.stats.start();
    log('listening on %o', listener.address);
    return listener.address;
  }

  /** Listens if needed; resolves once the server has shut down (by close() or a client's shutdown). */
  async serveForever(): Promise<void> {
    await this.listen();
    return this.closedPromise;
  }

  /** Stops accepting, settles every pending call, ends every connection and frees every object. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    log('shutting down');
    this.idleSweeper?.stop();
    this.stats.stop();
    await this.listener?.close();
    const reason = new ConnectionClosedError('the manager server shut down');
    for (const session of this.sessions) {
      if (session instanceof PickleSession) continue; // CPython clients see EOF, as from a CPython server
      // First: the client then rejects every pending call with this reason (and ignores the
      // AbortError replies of the waits cancelled next).
      session.send(goodbyeMessage(reason));
      session.abortAll(reason);
    }
    // Let the cancelled calls' replies be written before the connections end.
    await new Promise((resolve) => setImmediate(resolve));
    for (const session of this.sessions) session.connection.close();
    this.sessions.clear();
    this.table.clear();
    this.closedResolve();
  }

  // ---- SessionHost

  control(session: ServerSession, method: string, args: unknown[], kwargs: Record<string, unknown> | null): unknown {
    return runControl(this, session, method, args, kwargs);
  }

  /** Serves `value` as a new shared object of `typeid`, with one reference owned by `session`. */
  async create(session: object, typeid: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<OwnedRef> {
    const type = this.registry.get(typeid);
    if (type === undefined) throw new ManagerError(`unknown typeid '${typeid}'`);
    this.checkQuota(session);
    let referent: unknown;
    if (type.callable === undefined) {
      if (args.length !== 1 || (kwargs !== null && Object.keys(kwargs).length > 0)) {
        throw new ManagerError(`typeid '${typeid}' has no callable: create takes exactly the object itself`);
      }
      referent = args[0];
    } else {
      const callArgs = kwargs !== null && Object.keys(kwargs).length > 0 ? [...args, kwargs] : args;
      referent = await type.callable(...callArgs);
    }
    return this.own(session, describeReferent(type, referent));
  }

  adopt(session: object, typeid: string, value: unknown): OwnedRef {
    const type = this.registry.get(typeid);
    if (type === undefined) throw new ManagerError(`method_to_typeid names unknown typeid '${typeid}'`);
    this.checkQuota(session);
    // As CPython: a registered callable is applied to the result; usually there is none.
    const referent = type.callable === undefined ? value : type.callable(value);
    return this.own(session, describeReferent(type, referent));
  }

  private own(session: object, spec: ReturnType<typeof describeReferent>): OwnedRef {
    const entry = this.table.add(spec, this.quotaOf(session));
    this.stats.objectCreated(entry, session);
    return new OwnedRef(this.table.wireRef(entry, session));
  }

  private quotaOf(session: object): CreationQuota {
    let quota = this.quotas.get(session);
    if (quota === undefined) this.quotas.set(session, (quota = { created: 0 }));
    return quota;
  }

  /** Throws LimitError when `session` already has maxObjectsPerConnection live objects. */
  private checkQuota(session: object): void {
    const created = this.quotas.get(session)?.created ?? 0;
    if (created < this.limits.maxObjectsPerConnection) return;
    throw new LimitError(
      `this connection already created ${created} live shared objects (the server's maxObjectsPerConnection limit); ` +
        'release some first',
      'maxObjectsPerConnection',
    );
  }

  /** Heartbeat and idle watch of a new session. */
  private watch(session: AnySession): void {
    // CPython clients do not answer pings: no heartbeat on pickle connections.
    if (this.heartbeatSettings !== undefined && session instanceof ServerSession) {
      const heartbeat = new Heartbeat(session.connection, this.heartbeatSettings, () => session.send([MessageType.Ping, 0]));
      this.heartbeats.set(session, heartbeat);
    }
    this.idleSweeper?.add(session);
  }

  private closeIdle(session: AnySession, seconds: number): void {
    log('%s: idle for %d s; closing (idleTimeout)', session.label, seconds);
    if (session instanceof ServerSession) {
      const reason = `the server closed this connection after ${seconds} s without a request (idleTimeout)`;
      session.send(goodbyeMessage(new ConnectionClosedError(reason)));
    }
    session.connection.close();
  }

  sessionClosed(session: AnySession, touched: ReadonlySet<ObjectEntry>): void {
    this.sessions.delete(session);
    this.stats.sessionClosed(session);
    this.heartbeats.get(session)?.stop();
    this.heartbeats.delete(session);
    this.idleSweeper?.delete(session);
    if (this.releaseOnDisconnect) {
      for (const entry of touched) {
        const target = entry.target as { releaseAllOwnedBy?: (owner: unknown) => number };
        if (typeof target.releaseAllOwnedBy !== 'function') continue;
        try {
          const released = target.releaseAllOwnedBy(session);
          if (released > 0) log('%s: released %d held unit(s) of %s on disconnect', session.label, released, entry.id);
        } catch (err) {
          log('%s: releasing %s failed: %O', session.label, entry.id, err);
        }
      }
    }
    const held = this.table.releaseOwner(session);
    log('%s: disconnected, dropped references to %d object(s)', session.label, held);
  }

  /** Asked by a client (`shutdown` control call): reply first, then stop. */
  requestShutdown(): void {
    setImmediate(() => void this.close());
  }

  /** The `describe` control operation: this server, a page of its objects, its clients (sizes only). */
  describe(options?: DescribeOptions): ServerDescription {
    return describeServer(
      {
        table: this.table,
        sessions: this.sessions,
        stats: this.stats,
        limits: this.limits,
        address: this.address,
        maxFrameSize: this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
        handshakeTimeout: this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
        tls: this.options.tls !== undefined,
      },
      options,
    );
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  get maxInFlight(): number {
    return this.limits.maxInFlight;
  }
}
