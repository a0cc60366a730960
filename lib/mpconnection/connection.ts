// The public Connection of multiprocessing.connection: one end of a Pipe, a Client, or a connection
// a Listener accepted. send()/recv() carry msgpack values (lib/codec), sendBytes()/recvBytes() raw
// bytes, each as one frame of the managers' framing (lib/connection). The frames go through a link
// (links.ts): a socket, or memory when both ends of a Pipe are in this process.
import createDebug from 'debug';
import { Codec } from '../codec/codec.js';
import { ConnectionClosedError, EOFError, ProtocolError, ValueError } from '../errors.js';
import type { FrameLink, FrameSink } from './links.js';

const debug = createDebug('mpmanagers:mpconnection');

/** Unread messages beyond which the link stops reading from the socket (the kernel then pushes back on the sender). */
const INBOX_HIGH_WATER = 256;
const INBOX_LOW_WATER = 64;

/** Plain values only: a proxy or a class instance is not turned into a reference here. */
const codec = new Codec();

export interface ConnectionEnds {
  /** False for the sending end of a one-way Pipe. Default true. */
  readable?: boolean;
  /** False for the receiving end of a one-way Pipe. Default true. */
  writable?: boolean;
}

export class Connection implements FrameSink {
  readonly readable: boolean;
  readonly writable: boolean;

  #link: FrameLink;
  /** Frames received and not yet read. */
  readonly #inbox: Buffer[] = [];
  /** recv()/poll() calls waiting for a frame or the end. */
  #waiters: (() => void)[] = [];
  /** The link has ended: `error` undefined for a clean end (the other end closed). */
  #ended: { error: Error | undefined } | undefined;
  #closed = false;
  #readingPaused = false;
  /** Set once this end has been sent to another process: it cannot be used here any more. */
  #movedTo: string | undefined;

  /** Made by Pipe(), Client() and Listener.accept(), not by users. */
  constructor(link: FrameLink, ends: ConnectionEnds = {}) {
    this.readable = ends.readable ?? true;
    this.writable = ends.writable ?? true;
    this.#link = link;
    link.sink = this;
  }

  /** True once close() was called on this end (or the end was sent to another process). */
  get closed(): boolean {
    return this.#closed || this.#movedTo !== undefined;
  }

  /** Sends a value: anything msgpack carries (lib/codec), not proxies or functions. */
  async send(obj: unknown): Promise<void> {
    this.#requireWritable();
    this.#transmit(codec.encode(obj));
    await this.#link.drained?.();
  }

  /** Sends `buf` (or `size` bytes of it from `offset`) as one message. */
  async sendBytes(buf: Uint8Array, offset = 0, size?: number): Promise<void> {
    this.#requireWritable();
    if (!(buf instanceof Uint8Array)) throw new ValueError('sendBytes needs a Uint8Array');
    const length = size ?? buf.length - offset;
    if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) throw new ValueError('offset is negative or larger than the buffer');
    if (!Number.isInteger(length) || length < 0) throw new ValueError('size is negative');
    if (offset + length > buf.length) throw new ValueError('buffer length < offset + size');
    this.#transmit(buf.subarray(offset, offset + length));
    await this.#link.drained?.();
  }

  /**
   * The next value sent with send(). Rejects EOFError once the other end has closed and everything
   * it sent has been read, ProtocolError for a message that is not msgpack (sent with sendBytes?).
   */
  async recv(): Promise<unknown> {
    return codec.decodeOwned(await this.#nextFrame());
  }

  /**
   * The next message as bytes. With `maxlength`, a longer message closes the connection and
   * rejects ValueError (as CPython's OSError "bad message length").
   */
  async recvBytes(maxlength?: number): Promise<Buffer> {
    if (maxlength !== undefined && !(Number.isInteger(maxlength) && maxlength >= 0)) throw new ValueError('negative maxlength');
    const frame = await this.#nextFrame();
    if (maxlength !== undefined && frame.length > maxlength) {
      this.close();
      throw new ValueError(`bad message length: ${frame.length} bytes, more than maxlength ${maxlength}`);
    }
    return frame;
  }

  /**
   * Whether there is something to read (a message, or the end: recv() then rejects EOFError).
   * `timeout` in seconds: 0 (the default, as Python) answers at once, null waits as long as it takes.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    this.#requireReadable();
    if (timeout !== null && !(timeout >= 0)) throw new ValueError(`timeout must be a number of seconds >= 0 or null, not ${timeout}`);
    if (this.#readyToRead()) return true;
    if (timeout === 0) return false;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.#waiters.push(resolve);
        if (timeout !== null) timer = setTimeout(resolve, timeout * 1000);
      });
    } finally {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
    }
    this.#requireOpen();
    return this.#readyToRead();
  }

  /** Closes this end. Unread messages are dropped; the other end reads what was sent, then EOFError. */
  close(): void {
    if (this.#closed || this.#movedTo !== undefined) return;
    this.#closed = true;
    this.#inbox.length = 0;
    this.#link.close();
    this.#wakeAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  toString(): string {
    const state = this.#movedTo !== undefined ? `sent to ${this.#movedTo}` : this.#closed ? 'closed' : this.#ended ? 'ended' : 'open';
    return `<Connection ${state}${this.readable ? '' : ' write-only'}${this.writable ? '' : ' read-only'}>`;
  }

  /** @internal FrameSink: a frame from the other end. */
  deliver(payload: Buffer): void {
    if (this.#closed) return;
    this.#inbox.push(payload);
    if (this.#inbox.length >= INBOX_HIGH_WATER && !this.#readingPaused && this.#link.pauseReading !== undefined) {
      this.#readingPaused = true;
      this.#link.pauseReading();
    }
    this.#wakeAll();
  }

  /** @internal FrameSink: the link has ended. */
  end(error?: Error): void {
    this.#ended ??= { error };
    this.#wakeAll();
  }

  /**
   * @internal Hands this end over to be sent to `destination` (see pipeTransfer.ts): its link and
   * the messages it has not read yet. This object is unusable from then on.
   */
  _handOver(destination: string): { link: FrameLink; unread: Buffer[]; ended: boolean } {
    this.#requireOpen();
    this.#movedTo = destination;
    const unread = this.#inbox.splice(0);
    if (this.#readingPaused) this.#link.resumeReading?.(); // the link now feeds a relay
    this.#wakeAll();
    return { link: this.#link, unread, ended: this.#ended !== undefined };
  }

  /**
   * @internal Whether recv() would settle now: a message is waiting, the other end has closed, or
   * this end can no longer be read (recv() then rejects at once).
   */
  _readyToRead(): boolean {
    return this.#readyToRead() || this.closed;
  }

  /** @internal Calls `wake` once when something arrives or the connection ends; returns how to stop waiting. */
  _whenReadable(wake: () => void): () => void {
    this.#waiters.push(wake);
    return () => {
      this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
    };
  }

  /** @internal Closes this end once what it sent has left this process (a child about to exit). */
  async _closeAndFlush(): Promise<void> {
    if (this.#closed || this.#movedTo !== undefined) return;
    this.#closed = true;
    this.#inbox.length = 0;
    this.#wakeAll();
    if (this.#link.closeAndFlush !== undefined) await this.#link.closeAndFlush();
    else this.#link.close();
  }

  /** @internal Messages that arrived before this end existed here (sent to it while it was in another process). */
  _prepend(frames: Buffer[]): void {
    this.#inbox.unshift(...frames);
  }

  #transmit(payload: Uint8Array): void {
    if (this.#ended !== undefined || !this.#link.send(payload)) {
      throw new ConnectionClosedError('cannot send: the other end of the connection is closed');
    }
  }

  async #nextFrame(): Promise<Buffer> {
    this.#requireReadable();
    for (;;) {
      const frame = this.#inbox.shift();
      if (this.#readingPaused && this.#inbox.length <= INBOX_LOW_WATER) {
        this.#readingPaused = false;
        this.#link.resumeReading?.();
      }
      if (frame !== undefined) return frame;
      if (this.#ended !== undefined) throw endError(this.#ended.error);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      this.#requireOpen();
    }
  }

  #readyToRead(): boolean {
    return this.#inbox.length > 0 || this.#ended !== undefined;
  }

  #wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #requireOpen(): void {
    if (this.#movedTo !== undefined) throw new ValueError(`this connection was sent to ${this.#movedTo} and cannot be used here`);
    if (this.#closed) throw new ConnectionClosedError('the connection is closed');
  }

  #requireReadable(): void {
    this.#requireOpen();
    if (!this.readable) throw new ValueError('connection is write-only');
  }

  #requireWritable(): void {
    this.#requireOpen();
    if (!this.writable) throw new ValueError('connection is read-only');
  }
}

/** What recv() rejects with once the link has ended and the inbox is empty. */
function endError(cause: Error | undefined): Error {
  if (cause instanceof ProtocolError) return cause; // an oversized or malformed frame: say so
  if (cause !== undefined) debug('connection ended with %s', cause.message);
  return new EOFError('the other end of the connection is closed', cause === undefined ? undefined : { cause });
}
