// The floor's client jobs: the set/get request frames of dict_seq and dict_inflight, sent over a
// raw socket (floorWire.ts) and answered by floorServer.ts. Callbacks, not promises: the floor is
// the least a round trip can cost in Node, so nothing optional sits on its path.
import net from 'node:net';
import type { Address } from '../../lib/index.js';
import { FloorLink } from './floorWire.js';
import { floorBlobGets } from './floorBlob.js';
import { rateOf, sleepUntil, type Rate, type TimedParams } from './timing.js';

export interface FloorParams extends TimedParams {
  address: Address;
}

export const floorJobs = {
  /** One request in flight: as dict_seq (alternating set and get frames). */
  floor_seq(p: FloorParams): Promise<Rate> {
    return pingPong(p, 1);
  },
  /** `depth` requests in flight on one socket: as dict_inflight. */
  floor_inflight(p: FloorParams & { depth: number }): Promise<Rate> {
    return pingPong(p, p.depth);
  },
  /** Sequential gets of a `size`-byte reply: as binary (floorBlob.ts). */
  floor_blob(p: FloorParams & { size: number }): Promise<Rate> {
    return floorBlobGets(p);
  },
};

async function pingPong(p: FloorParams, depth: number): Promise<Rate> {
  const socket = await connect(p.address);
  try {
    let nextId = 1;
    let onReply: () => void = () => {};
    const link = new FloorLink(socket, () => onReply());
    const key = `k${process.pid}`;
    const sendRequest = (): void => {
      const id = nextId++;
      link.send(id & 1 ? [0, id, '1', '__setitem__', [key, 1], null] : [0, id, '1', 'get', [key, null], null]);
    };
    // Runs until `until`, keeping `depth` requests in flight; resolves with the replies counted.
    const phase = (until: number): Promise<number> =>
      new Promise((resolve) => {
        let replies = 0;
        let inFlight = depth;
        onReply = () => {
          replies++;
          if (performance.now() < until) sendRequest();
          else if (--inFlight === 0) resolve(replies);
        };
        for (let i = 0; i < depth; i++) sendRequest();
      });
    await phase(performance.now() + (p.warmup ?? 0) * 1000);
    await sleepUntil(p.startAt);
    const started = performance.now();
    const ops = await phase(started + p.duration * 1000);
    return rateOf(ops, performance.now() - started);
  } finally {
    socket.destroy();
  }
}

function connect(address: Address): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = typeof address === 'string' ? net.connect(address) : net.connect(address[1], address[0]);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
