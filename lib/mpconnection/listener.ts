// Listener and Client of multiprocessing.connection: the managers' authenticated sockets (TCP or a
// Unix socket path, lib/connection) carrying a public Connection each.
import type tls from 'node:tls';
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import { Connection as SocketConnection } from '../connection/connection.js';
import { Listener as SocketListener } from '../connection/listener.js';
import { ConnectionClosedError } from '../errors.js';
import { defaultAuthkey } from '../manager/authkey.js';
import { Connection } from './connection.js';
import { SocketLink } from './links.js';

const debug = createDebug('mpmanagers:mpconnection');

export interface ClientOptions {
  /** The key both ends prove they know. Default: this process's authkey (which child processes inherit). */
  authkey?: string | Uint8Array;
  /** Largest message accepted from the other end, in bytes; a larger one ends the connection with ProtocolError. Default 64 MiB. */
  maxFrameSize?: number;
  /** Seconds allowed to connect and authenticate. Default 5; null: no limit. */
  handshakeTimeout?: number | null;
  /** Connect over TLS with these options of `tls.connect`. */
  tls?: tls.ConnectionOptions;
}

export interface ListenerOptions extends Omit<ClientOptions, 'tls'> {
  /** Length of the kernel's queue of connections not yet accepted. Default 128. */
  backlog?: number;
  /** Serve TLS with these options of `tls.createServer`. */
  tls?: Omit<tls.TlsOptions, 'pskCallback'>;
}

/** Connects to a Listener at `address` and authenticates both ways. */
export async function Client(address: Address, options: ClientOptions = {}): Promise<Connection> {
  const connection = await SocketConnection.connect(address, { ...options, authkey: options.authkey ?? defaultAuthkey() });
  return new Connection(new SocketLink(connection));
}

export class Listener {
  #address: Address | undefined;
  readonly #listening: Promise<SocketListener>;
  /** Authenticated connections nobody has accepted yet. */
  readonly #accepted: Connection[] = [];
  #acceptors: { resolve: (conn: Connection) => void; reject: (error: Error) => void }[] = [];
  #closed = false;

  /**
   * Starts listening on `address` (TCP `[host, port]`, port 0 for any free one, or a Unix socket
   * path; default `['127.0.0.1', 0]`). Peers that fail the handshake are dropped without
   * disturbing accept(). `listen()` resolves once bound.
   */
  constructor(address: Address = ['127.0.0.1', 0], options: ListenerOptions = {}) {
    this.#listening = SocketListener.listen(address, { ...options, authkey: options.authkey ?? defaultAuthkey() });
    this.#listening.then(
      (listener) => {
        this.#address = listener.address;
        listener.onConnection = (conn) => this.#arrived(conn);
        listener.onAuthFailure = (error, remote) => debug('listener: %s failed to authenticate: %s', remote, error.message);
        if (this.#closed) void listener.close();
      },
      (error: Error) => {
        debug('listener: cannot listen on %o: %s', address, error.message);
        this.#failAcceptors(error);
      },
    );
  }

  /** The bound address (a TCP port 0 resolved), once listening. */
  get address(): Address | undefined {
    return this.#address;
  }

  /** Resolves to the bound address once listening; rejects if binding failed. */
  async listen(): Promise<Address> {
    return (await this.#listening).address;
  }

  /** The next authenticated connection. Rejects ConnectionClosedError once the listener is closed. */
  async accept(): Promise<Connection> {
    await this.#listening;
    if (this.#closed) throw new ConnectionClosedError('the listener is closed');
    const ready = this.#accepted.shift();
    if (ready !== undefined) return ready;
    return new Promise((resolve, reject) => this.#acceptors.push({ resolve, reject }));
  }

  /** Stops listening; pending accept() calls reject, connections not yet accepted are closed. Accepted ones stay open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAcceptors(new ConnectionClosedError('the listener is closed'));
    for (const conn of this.#accepted.splice(0)) conn.close();
    try {
      await (await this.#listening).close();
    } catch (error) {
      debug('listener: closing: %s', (error as Error).message);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `for await (const conn of listener)`: each accepted connection, until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Connection, void, undefined> {
    while (!this.#closed) {
      try {
        yield await this.accept();
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
    }
  }

  #arrived(socketConnection: SocketConnection): void {
    const conn = new Connection(new SocketLink(socketConnection));
    if (this.#closed) return conn.close();
    const acceptor = this.#acceptors.shift();
    if (acceptor !== undefined) acceptor.resolve(conn);
    else this.#accepted.push(conn);
  }

  #failAcceptors(error: Error): void {
    const acceptors = this.#acceptors;
    this.#acceptors = [];
    for (const acceptor of acceptors) acceptor.reject(error);
  }
}
