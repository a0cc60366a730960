// A Pipe end given to a child process: it travels as a descriptor naming a file descriptor of the
// child, one end of a socket pair made when the child is spawned (an extra stdio slot). The child
// wraps that fd; this process splices the end's old link onto its side of the pair, so the other
// end (here, or in another child) now talks to the child. The pair is private to the two
// processes: no port, no socket file, so no authkey (the handshake runs with an empty key, for the
// framing limits before it). Messages the end had received and not read travel in the descriptor.
import net from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import createDebug from 'debug';
import { Connection as SocketConnection } from '../connection/connection.js';
import type { ConnectionOptions } from '../connection/options.js';
import { Connection } from './connection.js';
import { PortLink, SocketLink, relay, type FrameLink } from './links.js';
import { PIPE_DESCRIPTOR_KEY } from '../process/descriptorKeys.js';

const debug = createDebug('mpmanagers:mpconnection');

export { PIPE_DESCRIPTOR_KEY };

export interface PipeDescriptor {
  readonly [PIPE_DESCRIPTOR_KEY]: {
    /** The child's fd of its end of the socket pair (to a child process). */
    readonly fd?: number;
    /** The thread's end of a MessageChannel (to a worker thread; in the transfer list). */
    readonly port?: MessagePort;
    readonly readable: boolean;
    readonly writable: boolean;
    /** Messages sent to the end before it moved, not read yet. */
    readonly unread: Uint8Array[];
    /** The other end had already closed: the child's end reads `unread`, then EOFError. */
    readonly ended: boolean;
  };
}

/** The pair is private: the handshake proves nothing, and a child may take long to start. */
const PIPE_OPTIONS: ConnectionOptions = { authkey: new Uint8Array(0), handshakeTimeout: null };

export function isPipeDescriptor(value: unknown): value is PipeDescriptor {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, PIPE_DESCRIPTOR_KEY);
}

/**
 * Parent side: takes `end` to send it to `destination` as `fd`. Returns its descriptor and `bind`,
 * to be called with this process's side of the socket pair once the child is spawned (or with
 * undefined if spawning failed: the other end then sees the end of the pipe).
 */
export function sendPipeEnd(end: Connection, fd: number, destination: string): { descriptor: PipeDescriptor; bind: (socket: net.Socket | undefined) => void } {
  const { link, unread, ended } = end._handOver(destination);
  const descriptor: PipeDescriptor = {
    [PIPE_DESCRIPTOR_KEY]: { fd, readable: end.readable, writable: end.writable, unread, ended },
  };
  let bound: ((socket: net.Socket | undefined) => void) | undefined;
  const connecting = new Promise<SocketConnection>((resolve, reject) => {
    bound = (socket) => {
      if (socket === undefined) return reject(new Error(`no socket pair to ${destination}`));
      if (ended) {
        socket.destroy();
        return reject(new Error('the pipe had ended before it was sent'));
      }
      resolve(SocketConnection.fromSocket(socket, PIPE_OPTIONS, `pipe to ${destination}`));
    };
  });
  // From now on, what the other end sends goes to the child (queued until the pair is authenticated).
  if (!ended) relay(link, new SocketLink(connecting));
  else connecting.catch((error: Error) => debug('%s', error.message));
  return { descriptor, bind: bound! };
}

/**
 * Sends `end` to a worker thread of this process: over a MessageChannel whose second port travels
 * in the descriptor (it must be in the transfer list: `port`), the first relaying here.
 */
export function sendPipeEndToThread(end: Connection, destination: string): { descriptor: PipeDescriptor; port: MessagePort } {
  const { link, unread, ended } = end._handOver(destination);
  const { port1, port2 } = new MessageChannel();
  if (ended) port1.close();
  else relay(link, new PortLink(port1));
  const descriptor: PipeDescriptor = {
    [PIPE_DESCRIPTOR_KEY]: { port: port2, readable: end.readable, writable: end.writable, unread, ended },
  };
  return { descriptor, port: port2 };
}

/** Receiving side (a child process or a worker thread): the Connection a descriptor stands for. */
export function receivePipeEnd(descriptor: PipeDescriptor): Connection {
  const { fd, port, readable, writable, unread, ended } = descriptor[PIPE_DESCRIPTOR_KEY];
  let link: FrameLink;
  if (ended) link = closedLink();
  else if (port !== undefined) link = new PortLink(port);
  else link = new SocketLink(SocketConnection.overSocket(new net.Socket({ fd, readable: true, writable: true }), PIPE_OPTIONS, 'pipe to the parent'));
  const conn = new Connection(link, { readable, writable });
  conn._prepend(unread.map((frame) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
  if (ended) conn.end();
  return conn;
}

function closedLink(): FrameLink {
  return { sink: { deliver: () => {}, end: () => {} }, send: () => false, close: () => {} };
}
