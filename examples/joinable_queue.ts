// An in-process JoinableQueue (no manager, no network) with several consumers that all shut down
// cleanly.
//   node --import tsx examples/joinable_queue.ts
//
// The classic bug: when the producer is done it puts ONE `None` sentinel. The first consumer to get
// it stops; the others wait in get() forever and the program never ends. Two fixes, both below:
//  1. join() + abort: the producer waits with join() until every item has been marked done, then
//     aborts the consumers' pending get() calls with one AbortSignal. No sentinel value is needed
//     (null can be an ordinary item), and no consumer is stopped in the middle of an item.
//  2. One sentinel per consumer: each consumer stops at the first sentinel it gets, so N sentinels
//     stop N consumers. Sentinels are put after the items, and a queue is FIFO, so every item is
//     taken before any consumer stops.
// The same code works with a manager's shared queue: QueueProxy has the same get/put/taskDone/join
// signatures, `{ signal }` included, and the abort cancels the waits on the server.
import { setTimeout } from 'node:timers/promises';
import { JoinableQueue, AbortError } from '../lib/index.js';

const CONSUMERS = 4;
const ITEMS = 20;

/** Takes items until its get() is aborted; returns how many it handled. */
async function consumeUntilAborted(name: string, queue: JoinableQueue<number>, signal: AbortSignal): Promise<number> {
  let handled = 0;
  try {
    for (;;) {
      const item = await queue.get(true, null, { signal });
      await setTimeout(Math.random() * 20); // the work
      handled++;
      queue.taskDone();
      console.log(`  ${name} handled item ${item}`);
    }
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
  }
  console.log(`  ${name} stopped after ${handled} item(s)`);
  return handled;
}

/** Takes items until it gets the sentinel; returns how many it handled. */
async function consumeUntilSentinel(name: string, queue: JoinableQueue<number | null>): Promise<number> {
  let handled = 0;
  for (let item = await queue.get(); item !== null; item = await queue.get()) {
    await setTimeout(Math.random() * 20);
    handled++;
    queue.taskDone();
  }
  queue.taskDone(); // the sentinel is an item too, for join()
  console.log(`  ${name} got its sentinel after ${handled} item(s)`);
  return handled;
}

async function withJoinAndAbort(): Promise<void> {
  console.log(`1. join() + abort: ${CONSUMERS} consumers, ${ITEMS} items`);
  const queue = new JoinableQueue<number>();
  const stop = new AbortController();
  const consumers = Array.from({ length: CONSUMERS }, (_, i) => consumeUntilAborted(`consumer ${i}`, queue, stop.signal));
  for (let item = 0; item < ITEMS; item++) await queue.put(item);
  await queue.join(); // every item has been taken AND marked done
  stop.abort();
  const handled = await Promise.all(consumers);
  console.log(`  all ${CONSUMERS} consumers stopped; ${sum(handled)} of ${ITEMS} items handled`);
}

async function withOneSentinelPerConsumer(): Promise<void> {
  console.log(`2. one sentinel per consumer: ${CONSUMERS} consumers, ${ITEMS} items`);
  const queue = new JoinableQueue<number | null>();
  const consumers = Array.from({ length: CONSUMERS }, (_, i) => consumeUntilSentinel(`consumer ${i}`, queue));
  for (let item = 0; item < ITEMS; item++) await queue.put(item);
  for (let i = 0; i < CONSUMERS; i++) await queue.put(null);
  await queue.join();
  const handled = await Promise.all(consumers);
  console.log(`  all ${CONSUMERS} consumers stopped; ${sum(handled)} of ${ITEMS} items handled`);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

await withJoinAndAbort();
await withOneSentinelPerConsumer();
// Nothing is left waiting: the process ends here on its own.
