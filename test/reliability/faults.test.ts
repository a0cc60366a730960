// A client process SIGKILLed while it holds many references, locks and semaphore units, and waits
// in get / acquire / wait / Condition.wait / Barrier.wait all at once: nothing lost, nothing stuck,
// every reference freed. (test/sync/ covers each primitive alone; this is the combined case.)
import { expect } from 'chai';
import { SyncManager, BrokenBarrierError, type ListProxy } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { serve, type Served } from '../helpers/servers.js';
import { Child, eventually, killAll, rejectionOf } from './helpers.js';

describe('reliability: a client killed while holding and waiting', function () {
  this.timeout(60_000);
  let served: Served<SyncManager>;
  const children: Child[] = [];

  beforeEach(async () => {
    served = await serve(SyncManager);
  });
  afterEach(async () => {
    await killAll(children);
    await served.close();
  });

  it('frees every reference, releases every unit, and loses no item, notify or lock', async () => {
    const parent = await served.client();
    const live = await served.client();
    const shared = {
      lock: await parent.Lock(),
      rlock: await parent.RLock(),
      semaphore: await parent.Semaphore(2),
      queue: await parent.Queue<string>(),
      busyLock: await parent.Lock(),
      event: await parent.Event(),
      condition: await parent.Condition(),
      barrier: await parent.Barrier(2),
      shared: await parent.dict(),
    };
    await shared.busyLock.acquire();
    const objectsBefore = await parent._numberOfObjects();
    const entriesBefore = served.server.table.entries.size;

    const objects = 150;
    const child = new Child('client.ts', {
      address: served.address,
      scenario: 'hold',
      objects,
      refs: Object.fromEntries(Object.entries(shared).map(([name, proxy]) => [name, proxyRef(proxy)])),
    });
    children.push(child);
    await child.line('waiting', 40);
    // Held by its connection: its lists and dicts, and the bag (the lists inside the bag, and the one
    // it stored in our dict, are held by those containers only).
    expect(await parent._numberOfObjects()).to.equal(objectsBefore + 2 * objects + 1);
    expect(served.server.table.entries.size).to.equal(entriesBefore + 3 * objects + 2);
    expect(await shared.lock.acquire(false)).to.equal(false);

    await child.kill();

    await eventually(async () => (await parent._numberOfObjects()) === objectsBefore, 10);
    // The lists it kept only inside its own dict went with that dict; the one in our dict stays.
    expect(served.server.table.entries.size).to.equal(entriesBefore + 1);
    // Locks and units it held are free again.
    expect(await shared.lock.acquire(true, 5)).to.equal(true);
    expect(await shared.rlock.acquire(true, 5)).to.equal(true);
    expect(await shared.semaphore.acquire(false)).to.equal(true);
    expect(await shared.semaphore.acquire(false)).to.equal(true);
    // Its get() never takes an item.
    await shared.queue.put('item');
    expect(await shared.queue.get(true, 5)).to.equal('item');
    // Its acquire() never takes the lock: the next (live) waiter does.
    const liveLock = await live._proxyFromRef(proxyRef(shared.busyLock));
    const liveAcquire = liveLock.acquire(true, 10);
    await shared.busyLock.release();
    expect(await liveAcquire).to.equal(true);
    // Its Condition.wait() never consumes a notify: the live waiter gets it.
    const liveCondition = await live._proxyFromRef(proxyRef(shared.condition));
    await liveCondition.acquire();
    const liveWait = liveCondition.wait(10);
    await eventually(async () => {
      if (!(await shared.condition.acquire(false))) return false;
      await shared.condition.notify(1);
      await shared.condition.release();
      return true;
    });
    expect(await liveWait).to.equal(true);
    await liveCondition.release();
    // A party that dies in Barrier.wait() breaks the barrier rather than leaving the others stuck.
    expect(await shared.barrier.broken()).to.equal(true);
    expect(await rejectionOf(shared.barrier.wait(5))).to.be.instanceOf(BrokenBarrierError);
    // The event still works, and what it stored in our dict survived it.
    await shared.event.set();
    expect(await shared.event.wait(1)).to.equal(true);
    const fromChild = (await shared.shared.get('from-child')) as ListProxy<string>;
    expect(await fromChild._getValue()).to.deep.equal(['made by the child']);
  });
});
