// Settled waits leave nothing behind (timers, abort listeners), long timeouts really wait, and the
// ownership contract the server relies on.
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { AbortError } from '../../lib/errors.js';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  DEFAULT_OWNER,
  Event,
  isOwnedPrimitive,
  Lock,
  Queue,
  RLock,
  Semaphore,
} from '../../lib/primitives/index.js';
import { activeTimerCount, flush, rejectionOf, sleep, stateOf } from './helpers.js';

/** Timers alive now, measured after mocha has armed its own per-test timeout timer. */
async function timerBaseline(): Promise<number> {
  await flush();
  return activeTimerCount();
}

describe('primitives: cleanup and ownership', () => {
  it('clears the timer and the abort listener of a wait settled by a hand-off', async () => {
    const controller = new AbortController();
    const options = { signal: controller.signal };
    const timersBefore = await timerBaseline();

    const queue = new Queue<number>();
    const getter = queue.get(true, 30, options);
    const lock = new Lock();
    await lock.acquire();
    const acquirer = lock.acquire(true, 30, options);
    const event = new Event();
    const waiter = event.wait(30, options);
    const barrier = new Barrier(2);
    const arrival = barrier.wait(30, options);

    expect(activeTimerCount()).to.equal(timersBefore + 4);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(4);

    await queue.put(1);
    lock.release();
    event.set();
    await barrier.wait();
    expect([await getter, await acquirer, await waiter, await arrival]).to.deep.equal([1, true, true, 0]);

    expect(activeTimerCount()).to.equal(timersBefore);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
  });

  it('clears the abort listener of a wait that timed out, and the timer of one that was aborted', async () => {
    const controller = new AbortController();
    const timersBefore = await timerBaseline();
    const sem = new Semaphore(0);
    expect(await sem.acquire(true, 0.01, { signal: controller.signal })).to.equal(false);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);

    const pending = sem.acquire(true, 30, { signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(pending)).to.be.instanceOf(AbortError);
    expect(activeTimerCount()).to.equal(timersBefore);
  });

  it('waits past setTimeout’s 2^31-1 ms limit instead of firing at once', async () => {
    const controller = new AbortController();
    const get = new Queue<number>().get(true, 3_000_000, { signal: controller.signal }); // ~35 days
    await sleep(30);
    expect(await stateOf(get)).to.equal('pending');
    controller.abort();
    expect(await rejectionOf(get)).to.be.instanceOf(AbortError);
  });

  it('treats an Infinity timeout as forever', async () => {
    const timersBefore = await timerBaseline();
    const event = new Event();
    const waiting = event.wait(Infinity);
    expect(activeTimerCount()).to.equal(timersBefore);
    event.set();
    expect(await waiting).to.equal(true);
  });

  it('marks exactly the holdable primitives as OwnedPrimitive', () => {
    for (const held of [new Lock(), new RLock(), new Semaphore(), new BoundedSemaphore(), new Condition()]) {
      expect(isOwnedPrimitive(held)).to.equal(true);
    }
    for (const other of [new Queue(), new Event(), new Barrier(1), null, 3, {}]) {
      expect(isOwnedPrimitive(other)).to.equal(false);
    }
  });

  it('gives every in-process caller without an owner the shared DEFAULT_OWNER', async () => {
    const lock = new RLock();
    await lock.acquire();
    expect(lock.isOwned(DEFAULT_OWNER)).to.equal(true);
    expect(await lock.acquire(false)).to.equal(true); // same owner: re-entrant
    expect(lock.releaseAllOwnedBy(DEFAULT_OWNER)).to.equal(2);
    const sem = new Semaphore(1);
    await sem.acquire();
    expect(sem.heldBy(DEFAULT_OWNER)).to.equal(1);
  });
});
