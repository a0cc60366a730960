// Condition through a real server, each waiter on its own client connection: CPython's
// _TestCondition at the manager level, plus ownership (the owner is the client connection) and
// cancellation (an aborted wait neither consumes a notify nor takes the lock back).
import { expect } from 'chai';
import { SyncManager, AbortError, RuntimeError, type AcquirerProxy, type ConditionProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { TIMEOUT, expectAbout, rejectionOf, settledYet, shareWith, sleep, timed } from './helpers.js';

describe('sync/Condition through the manager', () => {
  let served: Served<SyncManager>;
  let parent: SyncManager;
  before(async () => {
    served = await serve(SyncManager);
    parent = await served.client();
  });
  after(() => served.close());

  /** CPython's `f`: run by a waiter on its own connection. */
  async function f(cond: ConditionProxy, sleeping: AcquirerProxy, woken: AcquirerProxy, timeout: number | null = null): Promise<void> {
    await cond.acquire();
    await sleeping.release();
    await cond.wait(timeout);
    await woken.release();
    await cond.release();
  }

  /** Starts `count` waiters running `f`, each on a new connection. */
  async function startWaiters(
    count: number,
    cond: ConditionProxy,
    sleeping: AcquirerProxy,
    woken: AcquirerProxy,
    timeout: number | null = null,
  ): Promise<Promise<void>[]> {
    const clients = await Promise.all(Array.from({ length: count }, () => served.client()));
    return clients.map(async (m) => {
      await f(await shareWith(cond, m), await shareWith(sleeping, m), await shareWith(woken, m), timeout);
      await m.close();
    });
  }

  /** How many units `woken` holds now, taking them (CPython reads get_value; the proxy has none). */
  async function drain(sem: AcquirerProxy): Promise<number> {
    let units = 0;
    while (await sem.acquire(false)) units++;
    return units;
  }

  /** Waits up to a few seconds for `count` units of `sem`. */
  async function takeUnits(sem: AcquirerProxy, count: number): Promise<void> {
    for (let i = 0; i < count; i++) expect(await sem.acquire(true, 10)).to.equal(true);
  }

  it('notify() wakes one waiter at a time (test_notify)', async () => {
    const cond = await parent.Condition();
    const sleeping = await parent.Semaphore(0);
    const woken = await parent.Semaphore(0);
    const waiters = await startWaiters(2, cond, sleeping, woken);
    await takeUnits(sleeping, 2);
    await sleep(TIMEOUT);
    expect(await drain(woken)).to.equal(0);

    for (let round = 1; round <= 2; round++) {
      await cond.acquire();
      await cond.notify();
      await cond.release();
      await takeUnits(woken, 1);
      await sleep(TIMEOUT);
      expect(await drain(woken)).to.equal(0);
    }
    await Promise.all(waiters);
  });

  it('waiters time out, then notifyAll() wakes every waiter (test_notify_all)', async () => {
    const cond = await parent.Condition();
    const sleeping = await parent.Semaphore(0);
    const woken = await parent.Semaphore(0);
    const timingOut = await startWaiters(6, cond, sleeping, woken, TIMEOUT);
    await takeUnits(sleeping, 6);
    await takeUnits(woken, 6);
    await Promise.all(timingOut);

    const waiters = await startWaiters(6, cond, sleeping, woken);
    await takeUnits(sleeping, 6);
    await sleep(TIMEOUT);
    expect(await drain(woken)).to.equal(0);
    await cond.acquire();
    await cond.notifyAll();
    await cond.release();
    await takeUnits(woken, 6);
    await Promise.all(waiters);
  });

  it('notify(n) wakes at most n waiters (test_notify_n)', async () => {
    const cond = await parent.Condition();
    const sleeping = await parent.Semaphore(0);
    const woken = await parent.Semaphore(0);
    const waiters = await startWaiters(6, cond, sleeping, woken);
    await takeUnits(sleeping, 6);
    await sleep(TIMEOUT);
    expect(await drain(woken)).to.equal(0);

    await cond.withAcquired(() => cond.notify(2));
    await takeUnits(woken, 2);
    await sleep(TIMEOUT);
    expect(await drain(woken)).to.equal(0);
    await cond.withAcquired(() => cond.notify(4));
    await takeUnits(woken, 4);
    await cond.withAcquired(() => cond.notify(3));
    await sleep(TIMEOUT);
    expect(await drain(woken)).to.equal(0);
    await Promise.all(waiters);
  });

  it('wait(timeout) resolves false after about the timeout, holding the lock again (test_timeout)', async () => {
    const cond = await parent.Condition();
    await cond.acquire();
    const attempt = await timed(cond.wait(TIMEOUT));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, TIMEOUT);
    await cond.release();
    expect(await rejectionOf(cond.release())).to.be.instanceOf(RuntimeError);
  });

  it('waitFor() on two connections, the predicate evaluated by each client (test_waitfor)', async () => {
    const cond = await parent.Condition();
    const state = await parent.Value('i', -1);
    const child = await served.client();
    const childCond = await shareWith(cond, child);
    const childState = await shareWith(state, child);
    const waiting = childCond.withAcquired(async () => {
      await childState.set(0);
      await childCond.notify();
      const result = await childCond.waitFor(async () => (await childState.get()) === 4);
      return result && (await childState.get()) === 4;
    });

    await cond.withAcquired(async () => {
      expect(await cond.waitFor(async () => (await state.get()) === 0)).to.equal(true);
      expect(await state.get()).to.equal(0);
    });
    for (let i = 0; i < 4; i++) {
      await sleep(0.01);
      await cond.withAcquired(async () => {
        await state.set((await state.get()) + 1);
        await cond.notify();
      });
    }
    expect(await waiting).to.equal(true);
    await child.close();
  });

  it('waitFor() with a timeout gives up with the last falsy value (test_waitfor_timeout)', async () => {
    const cond = await parent.Condition();
    const state = await parent.Value('i', 0);
    const child = await served.client();
    const childCond = await shareWith(cond, child);
    const childState = await shareWith(state, child);
    const waiting = childCond.withAcquired(() => timed(childCond.waitFor(async () => (await childState.get()) === 4, 0.1)));
    for (let i = 0; i < 3; i++) {
      await sleep(0.01);
      await cond.withAcquired(async () => {
        await state.set((await state.get()) + 1);
        await cond.notify();
      });
    }
    const attempt = await waiting;
    expect(attempt.value).to.equal(false);
    expect(attempt.seconds).to.be.at.least(0.1 - 0.01);
    await child.close();
  });

  it('wait() returns false on timeouts and true when notified from another connection (test_wait_result)', async () => {
    const cond = await parent.Condition();
    const other = await served.client();
    const otherCond = await shareWith(cond, other);
    await cond.acquire();
    expect(await cond.wait(0)).to.equal(false);
    expect(await cond.wait(0.1)).to.equal(false);
    const notifier = otherCond.withAcquired(() => otherCond.notify());
    expect(await cond.wait(60)).to.equal(true);
    await cond.release();
    await notifier;
    await other.close();
  });

  it('the lock belongs to the connection: a non-owner cannot wait, notify or release', async () => {
    const cond = await parent.Condition();
    const other = await served.client();
    const otherCond = await shareWith(cond, other);
    let error = await rejectionOf(otherCond.wait());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot wait on un-acquired lock');
    await cond.acquire();
    error = await rejectionOf(otherCond.wait(1));
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot wait on un-acquired lock');
    error = await rejectionOf(otherCond.notify());
    expect(error.message).to.equal('cannot notify on un-acquired lock');
    expect(await rejectionOf(otherCond.notifyAll())).to.be.instanceOf(RuntimeError);
    expect(await rejectionOf(otherCond.release())).to.be.instanceOf(RuntimeError);
    // Every proxy on the owning connection is the owner.
    const sameConnection = await shareWith(cond, parent);
    expect(await sameConnection.wait(0)).to.equal(false);
    await sameConnection.release();
    await other.close();
  });

  it('an aborted wait leaves the notify list, does not take the lock back, and the notify goes to the next waiter', async () => {
    const cond = await parent.Condition();
    const [first, second] = await Promise.all([served.client(), served.client()]);
    const firstCond = await shareWith(cond, first);
    const secondCond = await shareWith(cond, second);
    const controller = new AbortController();
    await firstCond.acquire();
    const aborted = firstCond.wait(null, { signal: controller.signal });
    expect(await settledYet(aborted, first)).to.equal(false);
    await secondCond.acquire();
    const waiting = secondCond.wait(10);
    expect(await settledYet(waiting, second)).to.equal(false);

    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    // The aborted waiter does not hold the lock: the parent can take it and notify.
    expect(await cond.acquire(false)).to.equal(true);
    await cond.notify(1);
    await cond.release();
    expect(await waiting).to.equal(true);
    await secondCond.release();
    expect(await rejectionOf(firstCond.release())).to.be.instanceOf(RuntimeError);
    await Promise.all([first.close(), second.close()]);
  });

  it('an abort while taking the lock back after a notify rejects without taking it', async () => {
    const cond = await parent.Condition();
    const other = await served.client();
    const otherCond = await shareWith(cond, other);
    const controller = new AbortController();
    await otherCond.acquire();
    const waiting = otherCond.wait(null, { signal: controller.signal });
    expect(await settledYet(waiting, other)).to.equal(false);
    await cond.acquire();
    await cond.notify();
    // Notified, but the parent still holds the lock: the waiter now waits for the lock.
    expect(await settledYet(waiting, other)).to.equal(false);
    controller.abort();
    expect(await rejectionOf(waiting)).to.be.instanceOf(AbortError);
    await cond.release();
    expect(await cond.acquire(false)).to.equal(true);
    await cond.release();
    await other.close();
  });

  it('Condition(lock) over a shared Lock: the Lock proxy and the Condition guard the same lock', async () => {
    const lock = await parent.Lock();
    const cond = await parent.Condition(lock);
    const other = await served.client();
    const otherLock = await shareWith(lock, other);
    const otherCond = await shareWith(cond, other);
    await lock.acquire();
    expect(await otherLock.acquire(false)).to.equal(false);
    const waiting = cond.wait(10);
    // wait() released the Lock: the other connection takes it and notifies.
    expect(await otherLock.acquire(true, 5)).to.equal(true);
    await otherCond.notify();
    await otherLock.release();
    expect(await waiting).to.equal(true);
    expect(await otherLock.acquire(false)).to.equal(false);
    await cond.release();
    expect(await otherLock.acquire(false)).to.equal(true);
    await otherLock.release();
    await other.close();
  });
});
