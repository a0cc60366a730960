// A hand-written client for bad-input tests: it speaks the frame format and the handshake over a
// plain socket, written from the protocol description (not from lib/), so it can send anything.
import net from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { encode } from '@msgpack/msgpack';
import type { Address } from '../../lib/connection/address.js';

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /**
   * `allowHalfOpen`: keep writing after the server's FIN, as an attacker would (a default socket
   * ends its own side when the peer's ends).
   */
  static async connect(address: Address, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const allowHalfOpen = options.allowHalfOpen ?? false;
    const socket = typeof address === 'string' ? net.connect({ path: address, allowHalfOpen }) : net.connect({ port: address[1], host: address[0], allowHalfOpen });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connects and completes the mutual handshake (server challenges first). */
  static async authenticated(address: Address, authkey: Uint8Array): Promise<RawClient> {
    const c = await RawClient.connect(address);
    const challenge = await c.readFrame();
    const message = challenge.subarray('#CHALLENGE#'.length);
    c.sendFrame(Buffer.concat([Buffer.from('{sha256}'), createHmac('sha256', authkey).update(message).digest()]));
    const welcome = await c.readFrame();
    if (welcome.toString() !== '#WELCOME#') throw new Error(`not welcomed: ${welcome.toString()}`);
    const ours = Buffer.concat([Buffer.from('{sha256}'), randomBytes(40)]);
    c.sendFrame(Buffer.concat([Buffer.from('#CHALLENGE#'), ours]));
    await c.readFrame(); // the server's digest; not checked here
    c.sendFrame(Buffer.from('#WELCOME#'));
    return c;
  }

  sendFrame(payload: Uint8Array): void {
    const header = Buffer.alloc(4);
    header.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([header, payload]));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a msgpack-encoded message as one frame. */
  sendMessage(message: unknown): void {
    this.sendFrame(encode(message));
  }

  async readFrame(): Promise<Buffer> {
    for (;;) {
      if (this.buffer.length >= 4) {
        const n = this.buffer.readInt32BE(0);
        if (this.buffer.length >= 4 + n) {
          const frame = this.buffer.subarray(4, 4 + n);
          this.buffer = this.buffer.subarray(4 + n);
          return frame;
        }
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
