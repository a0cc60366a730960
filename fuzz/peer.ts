// A hand-rolled peer on a plain socket: it does the handshake itself (or breaks it on purpose),
// writes whatever bytes it is given, and reads the server's frames back.
import net from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import createDebug from 'debug';
import { decode, ExtData } from '@msgpack/msgpack';
import { FrameParser } from '../lib/connection/framing.js';
import type { Address } from '../lib/connection/address.js';

const log = createDebug('mpmanagers:fuzz');

/** Reply ids from MARKER_BASE to MARKER_BASE + MARKER_RANGE are the fuzzer's markers (its other requests never use them). */
export const MARKER_BASE = 2 ** 33;
const MARKER_RANGE = 2 ** 24;

export class RawPeer {
  /** Frames received from the server. */
  framesIn = 0;
  /** Frames from the server this peer could not parse (must stay 0). */
  badFramesFromServer = 0;
  /** Object ids seen in small replies (the results of `create`), for later requests to aim at. */
  readonly seenIds: string[] = [];
  readonly closed: Promise<void>;
  isClosed = false;

  private readonly parser = new FrameParser(256 * 1024 * 1024);
  private readonly queued: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private markerSeen = -1;
  private collecting = false;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', (error) => {
      log('peer socket: %s', error.message); // a reset is one of the expected outcomes
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk, (frame) => this.onFrame(frame));
      } catch (error) {
        // The server never sends a bad frame; if it did, the missing markers show it in the run's counts.
        log('bad frame from the server: %O', error);
        this.badFramesFromServer++;
        socket.destroy();
      }
    });
  }

  /** `allowHalfOpen`: keep writing after the server's FIN, as a determined attacker does. */
  static connect(address: Address, options: { allowHalfOpen?: boolean } = {}): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const allowHalfOpen = options.allowHalfOpen ?? false;
      const socket =
        typeof address === 'string' ? net.connect({ path: address, allowHalfOpen }) : net.connect({ port: address[1], host: address[0], allowHalfOpen });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The next frame during the handshake, or undefined if the connection closed or `ms` passed. */
  async nextFrame(ms = 5000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    while (this.queued.length === 0 && !this.isClosed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.queued.shift();
  }

  /** The server's challenge, answered correctly. Returns false if the connection ended instead. */
  async answerChallenge(authkey: Uint8Array): Promise<boolean> {
    const challenge = await this.nextFrame();
    if (challenge === undefined) return false;
    const message = challenge.subarray('#CHALLENGE#'.length);
    this.writeFrame(Buffer.concat([Buffer.from('{sha256}'), createHmac('sha256', authkey).update(message).digest()]));
    const verdict = await this.nextFrame();
    return verdict?.toString() === '#WELCOME#';
  }

  /** The whole mutual handshake; then every frame received is counted (and scanned for ids). */
  async authenticate(authkey: Uint8Array): Promise<boolean> {
    if (!(await this.answerChallenge(authkey))) return false;
    this.writeFrame(Buffer.concat([Buffer.from('#CHALLENGE#{sha256}'), randomBytes(40)]));
    if ((await this.nextFrame()) === undefined) return false; // the server's answer; not checked
    this.writeFrame(Buffer.from('#WELCOME#'));
    this.collecting = true;
    this.queued.length = 0;
    return !this.isClosed;
  }

  writeFrame(payload: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeInt32BE(payload.length);
    this.write(Buffer.concat([header, payload]));
  }

  /** Writes raw bytes; resolves false once the socket's buffer is full (wait for drain). */
  write(bytes: Buffer): boolean {
    if (this.isClosed) return true;
    return this.socket.write(bytes);
  }

  /** Writes `bytes`, then calls back with whether the kernel took them (false: the server hung up). */
  writeCounted(bytes: Buffer, done: (written: boolean) => void): boolean {
    if (this.isClosed) {
      done(false);
      return true;
    }
    return this.socket.write(bytes, (error) => done(!error));
  }

  drained(): Promise<void> {
    if (this.isClosed || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Resolves 'ok' once the reply to marker request `n` arrived, 'closed' if the server hung up first. */
  async marker(n: number, ms: number): Promise<'ok' | 'closed' | 'timeout'> {
    const deadline = Date.now() + ms;
    while (this.markerSeen < n && !this.isClosed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.markerSeen >= n) return 'ok';
    return this.isClosed ? 'closed' : 'timeout';
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Buffer): void {
    if (!this.collecting) {
      this.queued.push(Buffer.from(frame));
      return this.wake();
    }
    this.framesIn++;
    // [1, id, kind, payload]: a marker reply carries an id >= MARKER_BASE (uint64: 0xcf).
    if (frame.length >= 11 && frame[0] === 0x94 && frame[1] === 0x01 && frame[2] === 0xcf) {
      const id = Number(frame.readBigUInt64BE(3));
      if (id >= MARKER_BASE && id < MARKER_BASE + MARKER_RANGE) {
        this.markerSeen = Math.max(this.markerSeen, id - MARKER_BASE);
        return this.wake();
      }
    }
    if (frame.length < 400 && this.seenIds.length < 256) this.collectId(frame);
  }

  private collectId(frame: Buffer): void {
    try {
      const reply = decode(frame) as unknown[];
      const ref = Array.isArray(reply) ? reply[3] : undefined;
      if (ref instanceof ExtData && ref.type === 0) {
        const payload = decode(ref.data as Uint8Array) as unknown[];
        if (typeof payload[2] === 'string') this.seenIds.push(payload[2]);
      }
    } catch (error) {
      log('reply not scanned for ids: %s', (error as Error).message); // nested extensions: no id we need
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
