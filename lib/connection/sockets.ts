// Socket-level helpers of the connection room: dialling with a deadline, naming the peer, the
// settings shared by the sockets a listener accepts, and the one buffer plain client sockets read into.
import type net from 'node:net';
import { ConnectionClosedError } from '../errors.js';
import { connectionSettings, type ConnectionOptions, type ConnectionSettings } from './options.js';

/**
 * The settings of the sockets a listener accepts, worked out once per options object rather than
 * once per socket (each would otherwise hold its own copy of the key, for as long as it is open).
 */
const settingsByOptions = new WeakMap<ConnectionOptions, ConnectionSettings>();

export function acceptedSettings(options: ConnectionOptions): ConnectionSettings {
  let settings = settingsByOptions.get(options);
  if (settings === undefined) settingsByOptions.set(options, (settings = connectionSettings(options)));
  return settings;
}

/**
 * The one buffer every plain client socket of this process reads into (`onread`). A read hands it
 * to that socket's parser at once, which copies what it keeps: so no socket keeps it between reads,
 * and one buffer serves them all. Without it, Node allocates a new buffer for every read, which for
 * a large reply is sixteen 64 KiB allocations on top of the reply's own (and the garbage collector
 * runs for all of them).
 */
export const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * `host:port` of a TCP peer. Node asks the kernel once (getpeername) and keeps the answer, but only
 * while the socket is open: a socket that closed before being asked, or a Unix socket (whose owner
 * gives a label of its own), is 'unknown peer'.
 */
export function describePeer(socket: net.Socket): string {
  return socket.remoteAddress === undefined ? 'unknown peer' : `${socket.remoteAddress}:${socket.remotePort}`;
}

/** Resolves on `event`: 'connect' for a plain socket, 'secureConnect' once TLS is established. */
export function socketConnected(socket: net.Socket, label: string, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.off(event, onConnect);
      socket.destroy();
      reject(
        error instanceof ConnectionClosedError
          ? error
          : new ConnectionClosedError(`cannot connect to ${label}: ${error.message}`, { cause: error }),
      );
    };
    const onConnect = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once(event, onConnect);
  });
}

/** Calls `onExpire(seconds)` after `ms` unless the returned cancel function runs first. */
export function startDeadline(ms: number | null, onExpire: (seconds: number) => void): () => void {
  if (ms === null) return () => {};
  const timer = setTimeout(() => onExpire(ms / 1000), ms);
  return () => clearTimeout(timer);
}
