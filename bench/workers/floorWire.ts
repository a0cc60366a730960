// The floor's wire: CPython framing (4-byte big-endian length + payload) over a raw socket, a reused
// msgpack Encoder/Decoder, and writes coalesced per event-loop turn. No authentication, no checks,
// no dispatch: the cheapest way to move the same frames, that mpmanagers is measured against.
import type net from 'node:net';
import { Decoder, Encoder } from '@msgpack/msgpack';

export class FloorLink {
  private readonly encoder = new Encoder();
  private readonly decoder = new Decoder();
  private pending: Buffer | undefined;
  private corked = false;

  constructor(
    private readonly socket: net.Socket,
    onMessage: (message: unknown) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
      while (data.length >= 4) {
        const length = data.readInt32BE(0);
        if (data.length < 4 + length) break;
        onMessage(this.decoder.decode(data.subarray(4, 4 + length)));
        data = data.subarray(4 + length);
      }
      this.pending = data.length > 0 ? data : undefined;
    });
  }

  send(message: unknown): void {
    const body = this.encoder.encodeSharedRef(message);
    const frame = Buffer.allocUnsafe(4 + body.length);
    frame.writeInt32BE(body.length, 0);
    frame.set(body, 4);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncork);
    }
    this.socket.write(frame);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
}
