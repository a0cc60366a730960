// What a public Connection sends through: a link carries whole frames to the other end and tells
// its sink about frames that arrive and about its end. Two kinds: a socket (lib/connection's
// authenticated Connection: a Client, an accepted connection, a Pipe end in another process) and
// the in-memory pair of a Pipe whose two ends are both in this process.
import type { MessagePort } from 'node:worker_threads';
import createDebug from 'debug';
import type { Connection as SocketConnection } from '../connection/connection.js';

const debug = createDebug('mpmanagers:mpconnection');

/** How long closeAndFlush waits for the socket to take what was sent. */
const FLUSH_LIMIT_MS = 5000;
/** Bytes queued for a socket beyond which a send waits for the socket to drain. */
const SEND_HIGH_WATER = 1024 * 1024;

/** Where a link delivers. */
export interface FrameSink {
  /** A frame from the other end; the buffer is the sink's to keep. */
  deliver(payload: Buffer): void;
  /** The link has ended: cleanly (no error: the other end closed) or with `error`. Called once. */
  end(error?: Error): void;
}

export interface FrameLink {
  /** Where frames and the end go; set by the link's owner (it may be changed, see relay()). */
  sink: FrameSink;
  /** Sends one frame; false (nothing sent) once the link is closed. The link copies what it keeps. */
  send(payload: Uint8Array): boolean;
  /** Closes this side; the other end sees its end once it has read what was sent. */
  close(): void;
  /** Closes this side and resolves once what was sent has left this process (before it exits). */
  closeAndFlush?(): Promise<void>;
  /** Resolves once the link can take more (the socket has drained what was queued beyond a limit). */
  drained?(): Promise<void>;
  /** Stop taking frames from the other end for now (the owner has too many unread), and start again. */
  pauseReading?(): void;
  resumeReading?(): void;
}

/** A sink that drops everything: a link's sink until its owner sets one. */
const NOWHERE: FrameSink = {
  deliver: (payload) => debug('a frame of %d bytes arrived before the link had an owner; dropped', payload.length),
  end: () => {},
};

/** Two links joined to each other in memory: what one sends, the other delivers (in order, on a later microtask). */
export function memoryLinks(): [FrameLink, FrameLink] {
  const a = new MemoryLink();
  const b = new MemoryLink();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryLink implements FrameLink {
  sink: FrameSink = NOWHERE;
  peer: MemoryLink | undefined;
  private closed = false;

  send(payload: Uint8Array): boolean {
    const peer = this.peer;
    if (this.closed || peer === undefined || peer.closed) return false;
    const copy = Buffer.from(payload);
    queueMicrotask(() => {
      if (!peer.closed) peer.sink.deliver(copy);
    });
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    // After the frames already on their way: queued microtasks run in order.
    if (peer !== undefined) queueMicrotask(() => peer.sink.end());
  }
}

/**
 * A link over an authenticated socket connection that may still be connecting: frames sent before
 * it is ready wait, in order. A connection that fails ends the link with the error.
 */
export class SocketLink implements FrameLink {
  sink: FrameSink = NOWHERE;
  private connection: SocketConnection | undefined;
  private readonly connecting: Promise<SocketConnection | undefined>;
  private waiting: Uint8Array[] | undefined = [];
  private closed = false;
  private ended = false;
  private readingPaused = false;

  constructor(connecting: Promise<SocketConnection> | SocketConnection) {
    if ('then' in connecting) {
      this.connecting = connecting.then(
        (connection) => {
          this.ready(connection);
          return connection;
        },
        (error: Error) => {
          this.finish(error);
          return undefined;
        },
      );
    } else {
      this.ready(connecting);
      this.connecting = Promise.resolve(connecting);
    }
  }

  send(payload: Uint8Array): boolean {
    if (this.closed || this.ended) return false;
    if (this.connection === undefined) {
      this.waiting!.push(Buffer.from(payload));
      return true;
    }
    return this.connection.send(payload, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection?.close();
  }

  async closeAndFlush(): Promise<void> {
    this.close();
    const connection = await this.connecting;
    const socket = connection?.socket;
    if (socket === undefined || socket.writableFinished || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_LIMIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('finish', done).once('close', done);
    });
  }

  async drained(): Promise<void> {
    const connection = this.connection;
    while (connection !== undefined && !connection.closed && connection.bufferedBytes > SEND_HIGH_WATER) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          connection.socket.off('drain', done).off('close', done);
          resolve();
        };
        connection.socket.once('drain', done).once('close', done);
      });
    }
  }

  pauseReading(): void {
    this.readingPaused = true;
    this.connection?.pauseReading();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.connection?.resumeReading();
  }

  private ready(connection: SocketConnection): void {
    this.connection = connection;
    if (this.closed) {
      for (const frame of this.waiting!) connection.send(frame);
      connection.close();
      return;
    }
    if (this.readingPaused) connection.pauseReading();
    connection.onFrame = (payload) => this.sink.deliver(payload);
    connection.onClose = (error) => this.finish(error);
    for (const frame of this.waiting!) connection.send(frame);
    this.waiting = undefined;
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) debug('link ended: %s', error.message);
    this.sink.end(error);
  }
}

/**
 * A link over a MessagePort: a Pipe end in a worker thread of this process. Each frame is one
 * message (its buffer transferred, not copied); `null` says this side closed.
 */
export class PortLink implements FrameLink {
  sink: FrameSink = NOWHERE;
  private closed = false;
  private ended = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: Uint8Array | null) => {
      if (message === null) this.finish();
      else if (!this.closed) this.sink.deliver(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    });
    port.on('close', () => this.finish());
  }

  send(payload: Uint8Array): boolean {
    if (this.closed || this.ended) return false;
    const copy = new Uint8Array(payload);
    this.port.postMessage(copy, [copy.buffer]);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.ended) this.port.postMessage(null);
    this.port.close();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.port.close();
    this.sink.end();
  }
}

/** Joins two links: what arrives on one is sent on the other, and the end of one closes the other. */
export function relay(a: FrameLink, b: FrameLink): void {
  a.sink = { deliver: (payload) => b.send(payload), end: () => b.close() };
  b.sink = { deliver: (payload) => a.send(payload), end: () => a.close() };
}
