// Many calls and many clients at once: a waiting call never holds up its connection, a shared Lock
// serialises 64 connections exactly, and closing everything leaves no handle behind.
import { expect } from 'chai';
import { SyncManager, ConnectionClosedError } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { rejectionOf, settledYet, shareWith, sleep } from './helpers.js';

describe('sync: concurrency through the manager', () => {
  let served: Served<SyncManager>;
  before(async () => {
    served = await serve(SyncManager);
  });
  after(() => served.close());

  it('a blocking call on one proxy never holds up other calls on the same connection', async () => {
    const m = await served.client();
    const queue = await m.Queue<string>();
    const event = await m.Event();
    const waits = [queue.get(), event.wait(), (await m.Barrier(2)).wait()];
    const lock = await m.Lock();
    const cond = await m.Condition();
    const list = await m.list<number>();
    const other = await m.Queue<number>(1);
    await lock.acquire();
    const lockWait = lock.acquire();
    for (let i = 0; i < 20; i++) await list.append(i);
    await other.put(1);
    expect(await other.get()).to.equal(1);
    await cond.acquire();
    expect(await cond.wait(0.01)).to.equal(false);
    await cond.release();
    for (const waiting of [...waits, lockWait]) expect(await settledYet(waiting, m)).to.equal(false);
    // The waiting calls complete when their own objects allow it, from the same connection.
    await queue.put('item');
    expect(await waits[0]).to.equal('item');
    await event.set();
    expect(await waits[1]).to.equal(true);
    await lock.release();
    expect(await lockWait).to.equal(true);
    expect(await list.length()).to.equal(20);
    await m.close();
    expect(await rejectionOf(waits[2])).to.be.instanceOf(ConnectionClosedError);
  });

  it('64 connections x 1,000 increments of a shared Value under a shared Lock give exactly 64,000', async function () {
    // 256,000 round trips serialised by the lock: about 15 s on two idle cores, 35-45 s when the
    // machine is busy with other work. Timed by the mocha timeout only (no tighter bound).
    this.timeout(120_000);
    const clients = await Promise.all(Array.from({ length: 64 }, () => served.client()));
    const lock = await clients[0].Lock();
    const counter = await clients[0].Value('i', 0);
    await Promise.all(
      clients.map(async (m) => {
        const myLock = await shareWith(lock, m);
        const myCounter = await shareWith(counter, m);
        for (let i = 0; i < 1000; i++) {
          await myLock.withAcquired(async () => myCounter.set((await myCounter.get()) + 1));
        }
      }),
    );
    expect(await counter.get()).to.equal(64_000);
    await Promise.all(clients.map((m) => m.close()));
  });

  it('closing the clients and the server with waits pending leaves no socket or timer behind', async () => {
    // Mocha's own test timer shows up after the first turn: take the baseline after one.
    await sleep(0.01);
    const baseline = liveResources();
    const local = await serve(SyncManager);
    const [a, b] = [await local.client(), await local.client()];
    const queue = await a.Queue<number>(1);
    const lock = await a.Lock();
    await lock.acquire();
    const otherLock = await shareWith(lock, b);
    const pending = [
      queue.get(true, 30),
      (await shareWith(queue, b)).get(true, 30),
      otherLock.acquire(true, 30),
      (await a.Event()).wait(30),
      (await b.Barrier(3, 30)).wait(),
    ];
    expect(await settledYet(pending[4], b)).to.equal(false);
    expect(liveResources().Timeout ?? 0).to.be.above(baseline.Timeout ?? 0);
    const outcomes = Promise.allSettled(pending);
    await local.close();
    for (const outcome of await outcomes) {
      expect(outcome.status).to.equal('rejected');
      expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionClosedError);
    }
    // Sockets finish closing on the next turns of the event loop.
    await sleep(0.05);
    expect(liveResources()).to.deep.equal(baseline);
  });
});

/** What keeps the event loop alive, counted by kind (TCPSocketWrap, TCPServerWrap, Timeout, ...). */
function liveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
