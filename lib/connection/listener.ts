// Accepts sockets on a TCP or Unix address and hands over only those that pass the handshake.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import createDebug from 'debug';
import { AuthenticationError } from '../errors.js';
import { isUnixAddress, type Address } from './address.js';
import { Connection } from './connection.js';
import { describePeer } from './sockets.js';
import { connectionSettings, listenBacklog, type ListenOptions } from './options.js';

const debug = createDebug('mpmanagers:connection');

export class Listener {
  /**
   * Binds and starts accepting. For a Unix path, a socket file left behind by a dead server is
   * removed first (only if nothing answers on it); a live server or a non-socket file there makes
   * this reject with the bind error (EADDRINUSE).
   */
  static async listen(address: Address, options: ListenOptions): Promise<Listener> {
    const { handshakeTimeoutMs } = connectionSettings(options); // validate now rather than on every accepted socket
    const backlog = listenBacklog(options);
    // With TLS, sockets reach accept() once the TLS handshake is done; tls's own timeout bounds it.
    const server =
      options.tls === undefined
        ? net.createServer({ noDelay: true })
        : tls.createServer({ noDelay: true, ...options.tls, handshakeTimeout: handshakeTimeoutMs ?? 0 });
    if (isUnixAddress(address)) {
      await removeStaleSocketFile(address);
      await startListening(server, { path: address, backlog });
    } else {
      await startListening(server, { host: address[0], port: address[1], backlog });
    }
    return new Listener(server, boundAddress(server, address), options);
  }

  /** The bound address: a TCP port 0 resolved to the real port; the path for a Unix socket. */
  readonly address: Address;

  /** Receives each connection once it is authenticated. The default closes it (nobody is listening). */
  onConnection: (conn: Connection) => void = (conn) => {
    debug('%s: no onConnection handler; closing', conn.remoteLabel);
    conn.close();
  };

  /**
   * Told about each accepted socket that did not authenticate: AuthenticationError (wrong key, bad
   * or oversized handshake frame) or ConnectionClosedError (peer left, or handshake timed out).
   */
  onAuthFailure?: (error: Error, remote: string) => void;

  /**
   * Stops accepting and destroys sockets still in the handshake. Authenticated connections are
   * the owner's and stay open. A Unix socket file is removed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.socketsInHandshake) socket.destroy();
    this.socketsInHandshake.clear();
    await new Promise<void>((resolve) => {
      // The listening handle closes now; the server's own 'close' would wait for every accepted
      // socket, which the owner may keep open for longer.
      this.server.close();
      setImmediate(resolve);
    });
    // libuv normally unlinks the path itself when the handle closes; this covers the cases it does not.
    if (isUnixAddress(this.address)) await removeSocketFile(this.address);
  }

  private readonly server: net.Server;
  private readonly options: ListenOptions;
  private readonly socketsInHandshake = new Set<net.Socket>();
  private closed = false;

  private constructor(server: net.Server, address: Address, options: ListenOptions) {
    this.server = server;
    this.address = address;
    this.options = options;
    if (server instanceof tls.Server) {
      server.on('secureConnection', (socket) => this.accept(socket));
      server.on('tlsClientError', (error, socket) => this.tlsFailed(error, socket));
    } else {
      server.on('connection', (socket) => this.accept(socket));
    }
    // libuv already backs off on EMFILE, so an accept error is logged and accepting goes on.
    server.on('error', (error) => debug('listener %s: accept error: %s', String(address), error.message));
  }

  /** A peer that failed the TLS handshake (no or a bad client certificate, wrong protocol, timeout). */
  private tlsFailed(error: Error, socket: net.Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    debug('%s: TLS handshake failed: %s', remote, error.message);
    socket.destroy();
    if (this.closed) return;
    try {
      this.onAuthFailure?.(new AuthenticationError(`TLS handshake failed: ${error.message}`, { cause: error }), remote);
    } catch (callbackError) {
      debug('%s: onAuthFailure threw: %O', remote, callbackError);
    }
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // A Unix socket cannot tell its peer's path; a TCP socket's address is only asked for a log line.
    const unixLabel = isUnixAddress(this.address) ? `unix:${this.address}` : undefined;
    const remote = (): string => unixLabel ?? describePeer(socket);
    this.socketsInHandshake.add(socket);
    Connection.fromSocket(socket, this.options, unixLabel).then(
      (conn) => {
        this.socketsInHandshake.delete(socket);
        if (this.closed) {
          conn.destroy();
          return;
        }
        try {
          this.onConnection(conn);
        } catch (error) {
          debug('%s: onConnection threw; closing: %O', remote(), error);
          conn.destroy(error instanceof Error ? error : undefined);
        }
      },
      (error: Error) => {
        this.socketsInHandshake.delete(socket);
        if (this.closed) {
          debug('%s: handshake abandoned at listener close: %s', remote(), error.message);
          return;
        }
        const label = remote();
        debug('%s: handshake failed: %s', label, error.message);
        try {
          this.onAuthFailure?.(error, label);
        } catch (callbackError) {
          debug('%s: onAuthFailure threw: %O', label, callbackError);
        }
      },
    );
  }
}

function startListening(server: net.Server, listenOptions: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(listenOptions);
  });
}

function boundAddress(server: net.Server, requested: Address): Address {
  if (isUnixAddress(requested)) return requested;
  const bound = server.address() as net.AddressInfo;
  return [bound.address, bound.port];
}

/** Removes a Unix socket file that nothing answers on (a crashed server's leftover). */
async function removeStaleSocketFile(path: string): Promise<void> {
  let stats;
  try {
    stats = await fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) return; // never delete a regular file: let bind fail instead
  if (await somethingAnswers(path)) return;
  debug('removing stale socket file %s', path);
  await removeSocketFile(path);
}

function somethingAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      debug('probe of %s: %s', path, error.code);
      // Only a refused connection proves the file is stale; anything else: leave it to bind.
      resolve(error.code !== 'ECONNREFUSED');
    });
  });
}

async function removeSocketFile(path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') debug('cannot remove %s: %s', path, (error as Error).message);
  }
}
