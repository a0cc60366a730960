// The manager server: listens, authenticates, and hosts shared objects for many client connections.
import createDebug from 'debug';
import { Listener } from '../connection/listener.js';
import type { Address } from '../connection/address.js';
import type { CodecOptions } from '../codec/codec.js';
import { ConnectionClosedError, ManagerError } from '../errors.js';
import type { Registry } from './registry.js';
import { ObjectTable, type ObjectEntry } from './objectTable.js';
import { ServerSession, type SessionHost } from './session.js';
import { runControl } from './control.js';
import { describeReferent } from './serve.js';
import { OwnedRef } from './ownedRef.js';

const log = createDebug('mpmanagers:server');

export interface ServerOptions {
  /** Where to listen. Default `['127.0.0.1', 0]` (any free port). A string is a Unix socket path. */
  address?: Address;
  /** The shared secret both sides prove they know. Required. */
  authkey: Uint8Array;
  /** Seconds a new connection has to complete the handshake. Default 5. */
  handshakeTimeout?: number;
  /** Largest frame accepted after authentication, in bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /** msgpack decode limits (see CodecOptions for the defaults). */
  codec?: CodecOptions;
  /**
   * Release the locks, RLocks and semaphore units a client holds when its connection closes, so a
   * crashed client cannot deadlock the others. Default true (CPython never does).
   */
  releaseOnDisconnect?: boolean;
  /** Listen backlog. Default 128. */
  backlog?: number;
}

export class Server implements SessionHost {
  readonly table: ObjectTable;
  private listener: Listener | undefined;
  private readonly sessions = new Set<ServerSession>();
  private closing: Promise<void> | undefined;
  private closedResolve!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.closedResolve = resolve));
  private readonly releaseOnDisconnect: boolean;

  constructor(
    readonly registry: Registry,
    private readonly options: ServerOptions,
  ) {
    this.table = new ObjectTable(() => this.address);
    this.releaseOnDisconnect = options.releaseOnDisconnect ?? true;
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
    });
    listener.onConnection = (connection) => {
      const session = new ServerSession(this, connection, this.options.codec);
      if (this.closing !== undefined) return connection.close();
      this.sessions.add(session);
      log('%s: connected (%d clients)', session.label, this.sessions.size);
    };
    listener.onAuthFailure = (error, remote) => log('%s: authentication failed: %s', remote, error.message);
    this.listener = listener;
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
    await this.listener?.close();
    const reason = new ConnectionClosedError('the manager server shut down');
    for (const session of this.sessions) session.abortAll(reason);
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
  async create(session: ServerSession, typeid: string, args: unknown[], kwargs: Record<string, unknown> | null): Promise<OwnedRef> {
    const type = this.registry.get(typeid);
    if (type === undefined) throw new ManagerError(`unknown typeid '${typeid}'`);
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

  adopt(session: ServerSession, typeid: string, value: unknown): OwnedRef {
    const type = this.registry.get(typeid);
    if (type === undefined) throw new ManagerError(`method_to_typeid names unknown typeid '${typeid}'`);
    // As CPython: a registered callable is applied to the result; usually there is none.
    const referent = type.callable === undefined ? value : type.callable(value);
    return this.own(session, describeReferent(type, referent));
  }

  private own(session: ServerSession, spec: ReturnType<typeof describeReferent>): OwnedRef {
    const entry = this.table.add(spec);
    return new OwnedRef(this.table.wireRef(entry, session));
  }

  sessionClosed(session: ServerSession, touched: ReadonlySet<ObjectEntry>): void {
    this.sessions.delete(session);
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

  get connectionCount(): number {
    return this.sessions.size;
  }
}
