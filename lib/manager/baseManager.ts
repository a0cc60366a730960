// BaseManager: the user's entry point. Registers shared types (per class, inherited), serves them
// (`getServer()`, `start()`), or connects to a server and creates proxies (`connect()`,
// `manager[typeid](...)`). One connection per manager, shared by all its proxies.
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import { formatAddress } from '../connection/address.js';
import type { CodecOptions } from '../codec/codec.js';
import { ConnectionClosedError, ManagerError } from '../errors.js';
import { Token, type WireRef } from '../protocol.js';
import { ClientSession, type ClientOptions, type RefAdapter } from '../client/session.js';
import type { DescribeOptions, ServerDescription } from '../server/description.js';
import { PickleChannel } from '../client/pickleChannel.js';
import type { Channel } from '../client/channel.js';
import { openWithRetries, reconnectSettings, type ReconnectOptions, type ReconnectSettings } from '../client/reconnect.js';
import type { HeartbeatOptions } from '../connection/heartbeat.js';
import type { LimitOptions } from '../server/limits.js';
import type { ServerOptions } from '../server/server.js';
import { Server } from '../server/server.js';
import { makeEntry, type RegisterOptions } from '../server/registry.js';
import { BaseProxy, type ProxyClass } from '../proxies/base.js';
import { AutoProxy } from '../proxies/auto.js';
import { ListProxy } from '../proxies/list.js';
import { DictProxy } from '../proxies/dict.js';
import { IteratorProxy } from '../proxies/iterator.js';
import { registryOf, ownRegistryOf } from './classRegistry.js';
import { toAuthkey, defaultAuthkey } from './authkey.js';
import { ManagerProcess, type StartOptions } from '../process/managerProcess.js';
import { moduleUrl, type ModuleName } from '../process/modules.js';
import { recordOrigin, type ManagerClassName } from './channelOrigins.js';

const log = createDebug('mpmanagers:manager');

/**
 * Also: the server's limits (LimitOptions: maxConnections, maxInFlight, maxObjectsPerConnection,
 * idleTimeout), used by getServer(); and the heartbeat (HeartbeatOptions: heartbeatInterval,
 * heartbeatTimeout), used by both the server and the client side.
 */
export interface ManagerOptions extends LimitOptions, HeartbeatOptions {
  /** Server address: `[host, port]` (port 0 = any free port) or a Unix socket path. */
  address?: Address;
  /** Shared secret; a string is UTF-8 encoded. Default: this process's authkey (inherited by children). */
  authkey?: string | Uint8Array;
  /** Seconds allowed for a handshake, both ways. Default 5. */
  handshakeTimeout?: number;
  /** Largest frame accepted after authentication, in bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /** msgpack decode limits (see CodecOptions for the defaults). */
  codec?: CodecOptions;
  /** Server side: release what a disconnected client held (locks, semaphore units). Default true. */
  releaseOnDisconnect?: boolean;
  /** Server side: length of the kernel's queue of connections not yet accepted. Default 128. */
  backlog?: number;
  /** Client side (connect): TLS options of Node's `tls.connect` (ca; cert + key for mutual TLS). Default: no TLS. */
  tls?: ClientOptions['tls'];
  /** Server side (getServer): TLS options of Node's `tls.createServer` (key, cert; ca + requestCert). Default: no TLS. */
  serverTls?: ServerOptions['tls'];
  /**
   * Client side: after the connection is lost, the next manager-level call (creating a proxy,
   * `_numberOfObjects()`...) reconnects to the same address, retrying with backoff. Proxies made
   * before stay dead: their calls reject ConnectionClosedError saying so. `true` = the defaults of
   * ReconnectOptions. Default false: a lost connection stays lost.
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * The module that defines and exports this manager class (a path or a file URL), as
   * `start({ module })` names it; start()'s own option takes precedence. A proxy of a custom proxy
   * class passed to a Process arrives there as that class when the child can import this module
   * (else as its nearest built-in class).
   */
  module?: ModuleName;
  /** The export of `module` that is this manager class. Default: the class's name. */
  export?: string;
  /**
   * Server side (getServer, start): the modules `Pool` may run, as paths or file URL strings
   * (ServerOptions.poolModules). Default none: any Pool is refused with PermissionError.
   */
  poolModules?: string[];
  /** Server side (getServer, start): see ServerOptions.strictReferences. Default false. */
  strictReferences?: boolean;
  /**
   * What the connection speaks after the handshake: 'msgpack' (default) or 'pickle', CPython's own
   * manager protocol, to serve stock Python clients or to connect to a CPython manager (see the
   * README, "Talking to Python"). CPython's option name.
   */
  serializer?: 'msgpack' | 'pickle';
  /**
   * Accept (server) or answer (client) legacy HMAC-MD5 authentication, all CPython 3.11 and older
   * can do. Weaker: see SECURITY.md. Default false.
   */
  legacyAuth?: boolean;
}

type State = 'initial' | 'connected' | 'closed';

export class BaseManager implements RefAdapter {
  /**
   * Registers a shared type on this manager class (and its subclasses). With `createMethod`
   * (default true) the instances get `manager[typeid](...args) => Promise<proxy>`.
   */
  static register<P extends ProxyClass>(typeid: string, options: RegisterOptions<P> = {}): void {
    const entry = makeEntry<ProxyClass>(typeid, options);
    ownRegistryOf(this).set(typeid, entry);
    if (entry.createMethod) {
      Object.defineProperty(this.prototype, typeid, {
        configurable: true,
        writable: true,
        value: function (this: BaseManager, ...args: unknown[]) {
          return this._create(typeid, args);
        },
      });
    }
  }

  protected _address: Address | undefined;
  protected readonly _authkey: Uint8Array;
  protected readonly options: ManagerOptions;
  protected session: ClientSession | PickleChannel | undefined;
  protected state: State = 'initial';
  /** The server process start() made. */
  protected managerProcess: ManagerProcess | undefined;
  private readonly reconnectPolicy: ReconnectSettings | undefined;
  /** The reconnection in progress, shared by every call that waits for it. */
  private reconnecting: Promise<ClientSession | PickleChannel> | undefined;
  /** Aborted by close(): stops a reconnection's retries. Made by the first reconnection (most managers never need one). */
  private closedSignal: AbortController | undefined;
  /** The module + export that define this manager class, when named (by start() or the options). */
  private className: ManagerClassName | undefined;

  constructor(options: ManagerOptions = {}) {
    this.options = options;
    this._address = options.address;
    this._authkey = options.authkey === undefined ? defaultAuthkey() : toAuthkey(options.authkey);
    this.reconnectPolicy = reconnectSettings(options.reconnect);
    this.className = classNameOf(this.constructor, options.module, options.export);
  }

  /** The server's address once known (given, listening, started or connected). */
  get address(): Address | undefined {
    return this._address;
  }

  get authkey(): Uint8Array {
    return this._authkey;
  }

  /** The registry this manager's class uses. */
  get registry() {
    return registryOf(this.constructor);
  }

  /** An in-process server for this manager's registry (call `listen()` or `serveForever()` on it). */
  getServer(): Server {
    if (this.state !== 'initial') throw new ManagerError('getServer() is only available before connect()/start()');
    return new Server(this.registry, {
      address: this._address,
      authkey: this._authkey,
      handshakeTimeout: this.options.handshakeTimeout,
      maxFrameSize: this.options.maxFrameSize,
      codec: this.options.codec,
      releaseOnDisconnect: this.options.releaseOnDisconnect,
      maxConnections: this.options.maxConnections,
      maxInFlight: this.options.maxInFlight,
      maxObjectsPerConnection: this.options.maxObjectsPerConnection,
      idleTimeout: this.options.idleTimeout,
      backlog: this.options.backlog,
      heartbeatInterval: this.options.heartbeatInterval,
      heartbeatTimeout: this.options.heartbeatTimeout,
      tls: this.options.serverTls,
      poolModules: this.options.poolModules,
      strictReferences: this.options.strictReferences,
      serializer: this.options.serializer,
      legacyAuth: this.options.legacyAuth,
    });
  }

  /** Connects to the server at `address` and authenticates; rejects AuthenticationError on a bad key. */
  async connect(): Promise<void> {
    if (this.state === 'connected') throw new ManagerError('already connected');
    if (this.state === 'closed') throw new ManagerError('this manager has been closed');
    if (this._address === undefined) throw new ManagerError('connect() needs an address');
    this.session = await this.openSession(this._address);
    this.state = 'connected';
  }

  private async openSession(address: Address): Promise<ClientSession | PickleChannel> {
    if (this.options.serializer === 'pickle') {
      return PickleChannel.open(address, this._authkey, this, {
        handshakeTimeout: this.options.handshakeTimeout,
        maxFrameSize: this.options.maxFrameSize,
        legacyAuth: this.options.legacyAuth,
      });
    }
    const session = await ClientSession.open(address, this._authkey, this, {
      handshakeTimeout: this.options.handshakeTimeout,
      maxFrameSize: this.options.maxFrameSize,
      codec: this.options.codec,
      heartbeatInterval: this.options.heartbeatInterval,
      heartbeatTimeout: this.options.heartbeatTimeout,
      tls: this.options.tls,
    });
    if (log.enabled) session.onClose = (error) => log('connection to %s closed: %s', formatAddress(address), error.message);
    recordOrigin(session, { authkey: this._authkey, tls: this.options.tls, managerClass: this.className });
    return session;
  }

  /**
   * The session to call through: the current one, or, when it was lost and `reconnect` is on, a
   * new one to the same address (every caller waits for the same reconnection).
   */
  protected liveSession(): Promise<ClientSession | PickleChannel> {
    const session = this.requireSession();
    if (!session.closed || this.reconnectPolicy === undefined) return Promise.resolve(session);
    this.reconnecting ??= this.reopen(session, this.reconnectPolicy).finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }

  private async reopen(lost: ClientSession | PickleChannel, policy: ReconnectSettings): Promise<ClientSession | PickleChannel> {
    const label = formatAddress(lost.address);
    this.closedSignal ??= new AbortController();
    const session = await openWithRetries(() => this.openSession(lost.address), policy, label, this.closedSignal.signal);
    if (this.state !== 'connected') {
      session.close();
      throw new ConnectionClosedError('the manager was closed while reconnecting');
    }
    lost.supersede(
      new ConnectionClosedError(
        `the connection to ${label} that this proxy used was lost; the manager has reconnected, but shared objects ` +
          'do not outlive the connection that held them (and the server may have restarted): make a new proxy',
      ),
    );
    this.session = session;
    return session;
  }

  /**
   * Runs this manager's server in a child process, then connects to it; `address` is then the real
   * bound address. SyncManager needs no options; a subclass with registrations of its own names the
   * module that defines it (`start({ module: import.meta.url })`, see StartOptions). ManagerError if
   * this manager was already started, connected or closed.
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.managerProcess !== undefined) throw new ManagerError('this manager has already been started');
    if (this.state !== 'initial') {
      throw new ManagerError(this.state === 'closed' ? 'this manager has been closed' : 'start() is not available on a connected manager');
    }
    const { address: _address, authkey: _authkey, module, export: exportName, ...serverOptions } = this.options;
    if (options.module === undefined && module !== undefined) options = { ...options, module, export: options.export ?? exportName };
    const server = new ManagerProcess(
      this.constructor as typeof BaseManager,
      { ...serverOptions, address: this._address ?? ['127.0.0.1', 0], authkey: this._authkey },
      options,
    );
    this.className = classNameOf(this.constructor, options.module, options.export) ?? this.className;
    this.managerProcess = server;
    try {
      this._address = await server.start();
      await this.connect();
    } catch (error) {
      await server.stop();
      this.managerProcess = undefined; // a failed start may be retried (a busy address, say)
      throw error;
    }
  }

  /**
   * Waits for the server process start() made to exit (after a shutdown, from here or from a client):
   * its exit code, or null if `timeout` seconds pass first (null: no limit). ManagerError without start().
   */
  async join(timeout: number | null = null): Promise<number | null> {
    if (this.managerProcess === undefined) throw new ManagerError('join() is only available on a manager started with start()');
    return this.managerProcess.join(timeout);
  }

  /** The server process start() made (`pid`, `exitCode`: 0 after a graceful shutdown), if any. */
  get _process(): ManagerProcess | undefined {
    return this.managerProcess;
  }

  /**
   * Asks the server to stop: the server process start() made (gracefully, then SIGTERM, then
   * SIGKILL; resolves once it has exited; calling again does nothing), or the server this manager
   * is connected to.
   */
  async shutdown(): Promise<void> {
    if (this.managerProcess !== undefined) {
      await this.close();
      return this.managerProcess.stop();
    }
    const session = this.requireSession();
    await session.call(null, 'shutdown');
    await this.close();
  }

  /** Drops this client's connection; pending calls reject ConnectionClosedError. */
  async close(): Promise<void> {
    this.session?.close();
    this.state = 'closed';
    this.closedSignal?.abort();
  }

  /** `await using`: shuts down the server start() made, else closes the connection. */
  async [Symbol.asyncDispose](): Promise<void> {
    await (this.managerProcess !== undefined ? this.shutdown() : this.close());
  }

  async _debugInfo(): Promise<string> {
    return (await (await this.liveSession()).call(null, 'debug_info')) as string;
  }

  async _numberOfObjects(): Promise<number> {
    return (await (await this.liveSession()).call(null, 'number_of_objects')) as number;
  }

  /**
   * A picture of the server: its counters, a page of its shared objects (at most 10,000; ask for
   * the next with `objectsOffset: description.nextObjectsOffset`) and its clients. Sizes only.
   */
  async _describe(options?: DescribeOptions): Promise<ServerDescription> {
    return (await (await this.liveSession()).call(null, 'describe', options === undefined ? [] : [options])) as ServerDescription;
  }

  /** Creates a shared object of `typeid` on the server; resolves to its proxy. */
  _create(typeid: string, args: unknown[] = [], kwargs: Record<string, unknown> | null = null): Promise<any> {
    const session = this.requireSession();
    if (session.closed && this.reconnectPolicy !== undefined) {
      return this.liveSession().then((live) => live.call(null, 'create', [typeid, ...args], kwargs));
    }
    return session.call(null, 'create', [typeid, ...args], kwargs);
  }

  /**
   * A new proxy, holding its own reference, for an object another process shared with us (CPython's
   * RebuildProxy): `ref` is what `proxyRef(proxy)` produced there. The sender must keep its proxy
   * alive until this resolves.
   */
  async _proxyFromRef(ref: SharedRef): Promise<any> {
    const session = await this.liveSession();
    await session.call(null, 'incref', [ref.id]);
    const exposed = ref.exposed ?? ((await session.call(null, 'get_methods', [ref.id])) as string[]);
    return this.fromWire({ typeid: ref.typeid, address: session.address, id: ref.id, exposed, kind: ref.kind ?? 'auto' }, session);
  }

  protected requireSession(): ClientSession | PickleChannel {
    if (this.session === undefined || this.state !== 'connected') {
      throw new ManagerError(this.state === 'closed' ? 'this manager has been closed' : 'not connected: call connect() or start() first');
    }
    return this.session;
  }

  // ---- RefAdapter: how proxies cross this manager's connection

  toWire(value: object, session: Channel): WireRef | undefined {
    return value instanceof BaseProxy ? value._toWire(session) : undefined;
  }

  fromWire(ref: WireRef, session: Channel): unknown {
    const token = new Token(ref.typeid, session.address, ref.id);
    if (ref.foreign || ref.kind === undefined) return new Token(ref.typeid, ref.address, ref.id);
    const proxytype = this.registry.get(ref.typeid)?.proxytype ?? PROXY_BY_KIND[ref.kind];
    return new proxytype(token, session, ref.exposed);
  }
}

/** A proxy described for another process: enough to rebuild it there (see `_proxyFromRef`). */
export interface SharedRef {
  typeid: string;
  address: Address;
  id: string;
  exposed?: string[];
  kind?: NonNullable<WireRef['kind']>;
  /** For a proxy whose channel is not a manager connection (Redis): how to reach its backend (Channel.share). */
  backend?: unknown;
  /** Set when the proxy's server speaks CPython's protocol: the receiver must too. */
  serializer?: 'pickle';
}

/** Describes a proxy so that another process can rebuild it with `_proxyFromRef`. */
export function proxyRef(proxy: BaseProxy): SharedRef {
  const t = proxy._token;
  if (t.address === undefined) throw new ManagerError('this proxy has no server address');
  const kind = proxy instanceof ListProxy ? 'list' : proxy instanceof DictProxy ? 'dict' : 'auto';
  const backend = proxy._session.share;
  const pickle = proxy._session instanceof PickleChannel ? { serializer: 'pickle' as const } : {};
  return { typeid: t.typeid, address: t.address, id: t.id, exposed: [...proxy._exposed], kind, ...pickle, ...(backend === undefined ? {} : { backend }) };
}

const PROXY_BY_KIND: Record<NonNullable<WireRef['kind']>, ProxyClass> = {
  auto: AutoProxy,
  list: ListProxy,
  dict: DictProxy,
};

// Every manager can serve live iterators (dict iteration, generators returned by methods).
BaseManager.register('Iterator', { proxytype: IteratorProxy, createMethod: false });

function classNameOf(managerClass: { name: string }, module: ModuleName | undefined, exportName: string | undefined): ManagerClassName | undefined {
  if (module === undefined) return undefined;
  return { module: moduleUrl(module), export: exportName ?? managerClass.name };
}
