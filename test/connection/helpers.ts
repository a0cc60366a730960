// Shared by the connection tests: real sockets, and a register of everything to close afterwards.
import net from 'node:net';
import { Connection } from '../../lib/connection/connection.js';
import { FrameParser, frameHeader } from '../../lib/connection/framing.js';
import { Listener } from '../../lib/connection/listener.js';
import type { ListenOptions } from '../../lib/connection/options.js';

export const AUTHKEY = 'secret';

type Closable = Listener | Connection | net.Socket | net.Server;
const opened: Closable[] = [];

/** Registers something for `closeAll` and returns it. */
export function track<T extends Closable>(thing: T): T {
  opened.push(thing);
  return thing;
}

/** Closes everything `track`ed; call from afterEach. */
export async function closeAll(): Promise<void> {
  const things = opened.splice(0);
  // Sockets first: a net.Server's close callback waits for its accepted sockets.
  for (const thing of things) {
    if (thing instanceof Connection || thing instanceof net.Socket) thing.destroy();
  }
  for (const thing of things) {
    if (thing instanceof Listener) await thing.close();
    else if (thing instanceof net.Server) await new Promise((resolve) => thing.close(resolve));
  }
}

export async function listen(options: Partial<ListenOptions> = {}, address: string | [string, number] = ['127.0.0.1', 0]) {
  return track(await Listener.listen(address, { authkey: AUTHKEY, ...options }));
}

export async function connect(listener: Listener, options: Partial<ListenOptions> = {}) {
  return track(await Connection.connect(listener.address, { authkey: AUTHKEY, ...options }));
}

/** The next authenticated connection the listener hands over. */
export function nextConnection(listener: Listener): Promise<Connection> {
  return new Promise((resolve) => {
    listener.onConnection = (conn) => resolve(track(conn));
  });
}

/** A raw TCP socket to the listener, collecting the frames it receives until the server closes it. */
export async function rawClient(port: number) {
  const socket = track(net.connect({ host: '127.0.0.1', port }));
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const parser = new FrameParser(1 << 20);
  const frames: Buffer[] = [];
  let frameArrived: () => void = () => {};
  socket.on('data', (chunk: Buffer) =>
    parser.push(chunk, (payload) => {
      frames.push(payload);
      frameArrived();
    }),
  );
  socket.on('error', () => {}); // a reset from the server is expected in some tests
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    frames,
    closed,
    sendFrame(payload: Buffer) {
      socket.write(Buffer.concat([frameHeader(payload.length), payload]));
    },
    async nextFrame(): Promise<Buffer> {
      while (frames.length === 0) await new Promise<void>((resolve) => (frameArrived = resolve));
      return frames.shift()!;
    },
  };
}

/** Resolves with `promise`, or rejects if it takes longer than `ms` (a generous upper bound). */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The port of a TCP listener. */
export function portOf(listener: Listener): number {
  return (listener.address as readonly [string, number])[1];
}
