// The library's own work per call, without sockets: a real Server's ServerSession fed request
// frames, and a ClientSession fed reply frames, through a stand-in connection that only records what
// is sent. Prints nanoseconds per call on each side; run it before and after a hot-path change.
//   node --import tsx bench/tools/hotpath.ts [--calls=300000]
import { parseArgs } from 'node:util';
import { EventEmitter } from 'node:events';
import { Codec } from '../../lib/codec/codec.js';
import { ClientSession } from '../../lib/client/session.js';
import { ServerSession } from '../../lib/server/session.js';
import { BenchManager } from '../workers/benchManager.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } });
const calls = Number(values.calls);
const ROUNDS = 5;

/** Just enough of a Connection for a session: frames in by hand, frames out recorded. */
class StandInConnection {
  readonly socket = new EventEmitter();
  readonly remoteLabel = 'stand-in';
  readonly closed = false;
  readonly bufferedBytes = 0;
  readonly readingIsPaused = false;
  onFrame: ((payload: Buffer) => void) | undefined;
  onClose: ((error?: Error) => void) | undefined;
  attach(handler: { handleFrame(payload: Buffer): void; handleClose(error?: Error): void }): void {
    this.onFrame = (payload) => handler.handleFrame(payload);
    this.onClose = (error) => handler.handleClose(error);
  }
  sent: Uint8Array | undefined;
  sentCount = 0;
  send(payload: Uint8Array, transient = false): boolean {
    this.sent = transient ? payload.slice() : payload;
    this.sentCount++;
    return true;
  }
  close(): void {}
  destroy(): void {}
  pauseReading(): void {}
  resumeReading(): void {}
}

const server = new BenchManager({ authkey: 'hotpath' }).getServer();
const serverConnection = new StandInConnection();
// The session attaches itself to the connection: frames fed to it reach the session.
new ServerSession(server, serverConnection as any, undefined);
const wire = new Codec();
const request = (id: number, method: string, args: unknown[]): Buffer => Buffer.from(wire.encode([0, id, null, method, args, null]));

// Create the shared dict the calls go to, as a client would.
serverConnection.onFrame!(request(1, 'create', ['get_dict']));
await new Promise((resolve) => setImmediate(resolve));
const reply = new Codec({ toWire: () => undefined, fromWire: (ref) => ref }).decode(serverConnection.sent!) as [number, number, number, { id: string }];
const dictId = reply[3].id;
const setFrame = Buffer.from(wire.encode([0, 7, dictId, '__setitem__', ['k1', 1], null]));
const getFrame = Buffer.from(wire.encode([0, 8, dictId, 'get', ['k1', null], null]));

const serverNs = best(() =>
  measure(() => {
    serverConnection.onFrame!(setFrame);
    serverConnection.onFrame!(getFrame);
  }, calls / 2) / 2,
);
console.log(`server: ${serverNs.toFixed(0)} ns per call (set/get on a shared dict, decode to reply sent; best of ${ROUNDS})`);

const clientConnection = new StandInConnection();
const refs = { toWire: () => undefined, fromWire: (ref: unknown) => ref };
const client = new (ClientSession as any)(clientConnection, ['127.0.0.1', 1], refs, undefined) as ClientSession;
const replies = Array.from({ length: 2 }, () => Buffer.alloc(0));
let clientNs = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  let started = performance.now();
  for (let i = 0; i < calls; i++) {
    const pending = client.call(dictId, i & 1 ? 'get' : '__setitem__', i & 1 ? ['k1', null] : ['k1', 1]);
    const id = (wire.decode(clientConnection.sent!) as number[])[1];
    replies[0] = Buffer.from(wire.encode([1, id, 0, i & 1 ? 1 : null]));
    clientConnection.onFrame!(replies[0]);
    await pending;
  }
  const clientTotal = performance.now() - started;
  // The reply frames and the request decoding above are the test's own work: measure and subtract it.
  started = performance.now();
  for (let i = 0; i < calls; i++) {
    wire.decode(setFrame);
    replies[1] = Buffer.from(wire.encode([1, i, 0, i & 1 ? 1 : null]));
    await Promise.resolve();
  }
  const harness = performance.now() - started;
  clientNs = Math.min(clientNs, ((clientTotal - harness) * 1e6) / calls);
}
console.log(`client: ${clientNs.toFixed(0)} ns per call (call() to the promise settled; best of ${ROUNDS})`);
await server.close();

/** The best of several rounds: the machine is shared, and the least disturbed round is the truest. */
function best(round: () => number): number {
  let least = Infinity;
  for (let i = 0; i < ROUNDS; i++) least = Math.min(least, round());
  return least;
}

function measure(work: () => void, times: number): number {
  for (let i = 0; i < Math.min(times, 20000); i++) work(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < times; i++) work();
  return ((performance.now() - t0) * 1e6) / times;
}
