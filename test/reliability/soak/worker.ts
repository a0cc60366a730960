// One soak client process: mixed operations on the shared objects until its time is up, then one
// `result <JSON>` line with what it did (so that the runner can check every total exactly).
// argv[2]: JSON { address, worker, seconds, refs }; the authkey comes from MPM_SOAK_AUTHKEY.
import { SyncManager, Empty, type AcquirerProxy, type DictProxy, type ListProxy, type QueueProxy, type ValueProxy } from '../../../lib/index.js';
import type { SharedRef } from '../../../lib/manager/baseManager.js';

interface Input {
  address: [string, number];
  worker: number;
  seconds: number;
  /** --long: every `tick` seconds, print `tick {ops, p50, p99}` (µs) for the operations of that tick. */
  tick?: number;
  refs: Record<'lock' | 'counter' | 'queue' | 'list' | 'dict', SharedRef>;
}

const input = JSON.parse(process.argv[2]) as Input;
// 64 processes start at once on a small machine: give the handshake time.
const manager = new SyncManager({ address: input.address, authkey: process.env['MPM_SOAK_AUTHKEY'], handshakeTimeout: 60 });
await manager.connect();
const lock = (await manager._proxyFromRef(input.refs.lock)) as AcquirerProxy;
const counter = (await manager._proxyFromRef(input.refs.counter)) as ValueProxy<number>;
const queue = (await manager._proxyFromRef(input.refs.queue)) as QueueProxy<number>;
const list = (await manager._proxyFromRef(input.refs.list)) as ListProxy<number>;
const dict = (await manager._proxyFromRef(input.refs.dict)) as DictProxy<string, number>;

const result = { worker: input.worker, operations: 0, increments: 0, produced: [] as number[], consumed: [] as number[], appended: 0, wrong: [] as string[] };
const deadline = Date.now() + input.seconds * 1000;
const myKey = `w${input.worker}`;
let nextItem = 0;
const tickMs = input.tick === undefined ? Infinity : input.tick * 1000;
let tickEnd = Date.now() + tickMs;
let tickOps = 0;
const tickLatencies: number[] = [];

while (Date.now() < deadline) {
  const opStarted = performance.now();
  const roll = Math.random();
  if (roll < 0.3) {
    // A read-modify-write that is only exact under the lock.
    await lock.acquire();
    await counter.set((await counter.get()) + 1);
    await lock.release();
    result.increments++;
  } else if (roll < 0.55) {
    const item = input.worker * 10_000_000 + nextItem++;
    await queue.put(item);
    result.produced.push(item);
  } else if (roll < 0.8) {
    try {
      result.consumed.push(await queue.get(true, 0.05));
    } catch (error) {
      if (!(error instanceof Empty)) throw error;
    }
  } else if (roll < 0.9) {
    await list.append(input.worker);
    result.appended++;
    await dict.set(myKey, result.appended);
    const seen = await dict.get(myKey);
    if (seen !== result.appended) result.wrong.push(`dict[${myKey}] = ${seen}, expected ${result.appended}`);
  } else {
    // Objects made and dropped: references must come and go without a trace.
    const temporary = await manager.list([input.worker, nextItem]);
    const value = await temporary._getValue();
    if (value[0] !== input.worker) result.wrong.push(`temporary list holds ${JSON.stringify(value)}`);
    await temporary._release();
  }
  result.operations++;
  if (tickMs !== Infinity) {
    tickLatencies.push((performance.now() - opStarted) * 1000);
    tickOps++;
    if (Date.now() >= tickEnd) {
      tickLatencies.sort((a, b) => a - b);
      const at = (q: number): number => Math.round(tickLatencies[Math.min(tickLatencies.length - 1, Math.floor(q * tickLatencies.length))]);
      console.log(`tick ${JSON.stringify({ ops: tickOps, p50: at(0.5), p99: at(0.99) })}`);
      tickOps = 0;
      tickLatencies.length = 0;
      tickEnd += tickMs;
    }
  }
}

console.log(`result ${JSON.stringify(result)}`);
await manager.close();
