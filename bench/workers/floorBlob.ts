// The binary row's floor: the least a Node round trip of a small request and an N-byte reply can
// cost over a raw socket. The server (floorServer.ts, blobReply) answers with one preallocated
// N-byte buffer behind a 4-byte length header, written as it is (no copy); the client reads each
// reply straight into a fresh N-byte buffer (`onread`: the kernel's copy is the only one), as a real
// get hands a fresh value to its caller. No msgpack for the reply, no chunks, no window. Dropped
// values are freed young, as mpmanagers' client frees them (lib/buffers/youngRelease.ts): without
// that, a plain Node client's full collections made this "floor" slower than mpmanagers at 16 MiB.
import net from 'node:net';
import { encode } from '@msgpack/msgpack';
import type { Address } from '../../lib/index.js';
import { noteBufferHandedOut } from '../../lib/buffers/youngRelease.js';
import { FRAME_HEADER_SIZE } from '../../lib/connection/framing.js';
import { LatencySamples, rateOf, sleepUntil, type Rate } from './timing.js';
import type { FloorParams } from './floorJobs.js';

/** The request a floor blob get sends: a frame of a small msgpack array, as a real get's. */
export const BLOB_REQUEST_METHOD = 'blob';

/** The server's side: the reply to a blob request of `size` bytes (header, then the buffer itself). */
const blobs = new Map<number, Buffer>();
export function blobReply(socket: net.Socket, size: number): void {
  let blob = blobs.get(size);
  if (blob === undefined) blobs.set(size, (blob = Buffer.alloc(size, 7)));
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  header.writeInt32BE(size, 0);
  socket.cork(); // header and data in one writev, now (not at the end of the turn)
  socket.write(header);
  socket.write(blob);
  socket.uncork();
}

/** Sequential gets of `size` bytes from the floor server: 1 op = 1 reply of `size` bytes received. */
export async function floorBlobGets(p: FloorParams & { size: number }): Promise<Rate> {
  const scratch = Buffer.allocUnsafeSlow(64 * 1024);
  // The reply being received: its buffer and how much of it is in; or, between replies, its header.
  let reply: Buffer | undefined;
  let filled = 0;
  let headerBytes = 0;
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  let onReply: (value: Buffer) => void = () => {};
  const received = (value: Buffer): void => {
    noteBufferHandedOut(value.length); // as the codec does for a value handed out (lib/buffers/youngRelease.ts)
    reply = undefined;
    filled = headerBytes = 0;
    onReply(value);
  };
  // Bytes read into `scratch`: a header, and the start of the reply that follows it (copied once).
  const fromScratch = (bytes: Buffer): void => {
    let at = 0;
    while (at < bytes.length) {
      if (reply === undefined) {
        const take = Math.min(FRAME_HEADER_SIZE - headerBytes, bytes.length - at);
        bytes.copy(header, headerBytes, at, at + take);
        headerBytes += take;
        at += take;
        if (headerBytes < FRAME_HEADER_SIZE) return;
        reply = Buffer.allocUnsafe(header.readInt32BE(0)); // fresh, as a get's value
        if (reply.length === 0) received(reply);
        continue;
      }
      const take = Math.min(reply.length - filled, bytes.length - at);
      bytes.copy(reply, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === reply.length) received(reply);
    }
  };
  const socket = await connect(p.address, {
    buffer: () => (reply === undefined ? scratch : reply.subarray(filled)),
    callback: (length, buffer) => {
      if (reply !== undefined && buffer.buffer === reply.buffer) {
        filled += length; // read in place
        if (filled === reply.length) received(reply);
      } else fromScratch(scratch.subarray(0, length));
      return true;
    },
  });
  try {
    socket.setNoDelay(true);
    // A get's request frame, as floorServer's FloorLink decodes it (msgpack), made once.
    const body = encode([0, 1, '1', BLOB_REQUEST_METHOD, [p.size], null]);
    const request = Buffer.allocUnsafe(FRAME_HEADER_SIZE + body.length);
    request.writeInt32BE(body.length, 0);
    request.set(body, FRAME_HEADER_SIZE);
    const latencies = new LatencySamples();
    const get = (): Promise<Buffer> =>
      new Promise((resolve) => {
        onReply = resolve;
        socket.write(request);
      });
    const warmupEnd = performance.now() + (p.warmup ?? 0) * 1000;
    while (performance.now() < warmupEnd) await get();
    await sleepUntil(p.startAt);
    const minOps = p.minOps ?? 1;
    const started = performance.now();
    const deadline = started + p.duration * 1000;
    let ops = 0;
    let now = started;
    do {
      const before = now;
      const value = await get();
      if (value.length !== p.size) throw new Error(`floor blob: ${value.length} bytes, not ${p.size}`);
      ops++;
      now = performance.now();
      latencies.add((now - before) * 1000);
    } while (now < deadline || ops < minOps);
    return { ...rateOf(ops, now - started), latency: latencies.percentiles() };
  } finally {
    socket.destroy();
  }
}

function connect(address: Address, onread: { buffer: () => Uint8Array; callback: (length: number, buffer: Uint8Array) => boolean }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = typeof address === 'string' ? net.connect({ path: address, onread }) : net.connect({ host: address[0], port: address[1], onread });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
