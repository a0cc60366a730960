import { expect } from 'chai';
import { AbortError, RuntimeError, ValueError } from '../../lib/errors.js';
import { Condition, Lock, RLock } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, flush, rejectionOf, sleep, stateOf, timed } from './helpers.js';

/** CPython's _TestCondition.f: acquire, wait, count the wake-up, release. */
async function sleeper(cond: Condition, owner: string, woken: string[], timeout?: number): Promise<boolean> {
  await cond.acquire(true, null, { owner });
  const notified = await cond.wait(timeout, { owner });
  woken.push(owner);
  cond.release({ owner });
  return notified;
}

describe('primitives/Condition', () => {
  // Ports CPython's _TestCondition.test_notify.
  it('notify() wakes one waiter at a time, oldest first', async () => {
    const cond = new Condition();
    const woken: string[] = [];
    const sleepers = [sleeper(cond, 'p', woken), sleeper(cond, 't', woken)];
    await flush();
    expect(woken).to.deep.equal([]);

    await cond.acquire();
    cond.notify();
    cond.release();
    await flush();
    expect(woken).to.deep.equal(['p']);

    await cond.acquire();
    cond.notify();
    cond.release();
    await flush();
    expect(woken).to.deep.equal(['p', 't']);
    expect(await Promise.all(sleepers)).to.deep.equal([true, true]);
  });

  // Ports CPython's _TestCondition.test_notify_all.
  it('waiters time out with false; notifyAll() wakes every waiter', async () => {
    const cond = new Condition();
    const woken: string[] = [];
    const owners = ['p0', 't0', 'p1', 't1', 'p2', 't2'];
    const timingOut = owners.map((owner) => sleeper(cond, owner, woken, 0.1));
    expect(await Promise.all(timingOut)).to.deep.equal([false, false, false, false, false, false]);
    expect(woken).to.have.length(6);

    woken.length = 0;
    const sleepers = owners.map((owner) => sleeper(cond, owner, woken));
    await flush();
    expect(woken).to.deep.equal([]);
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    expect(await Promise.all(sleepers)).to.deep.equal([true, true, true, true, true, true]);
    expect(woken).to.deep.equal(owners);
  });

  // Ports CPython's _TestCondition.test_notify_n.
  it('notify(n) wakes at most n waiters', async () => {
    const cond = new Condition();
    const woken: string[] = [];
    const owners = ['p0', 't0', 'p1', 't1', 'p2', 't2'];
    const sleepers = owners.map((owner) => sleeper(cond, owner, woken));
    await flush();

    await cond.acquire();
    cond.notify(2);
    cond.release();
    await flush();
    expect(woken).to.deep.equal(['p0', 't0']);

    await cond.acquire();
    cond.notify(4);
    cond.release();
    await Promise.all(sleepers);
    expect(woken).to.deep.equal(owners);

    await cond.acquire();
    cond.notify(3);
    cond.notify(0);
    cond.notify(-1);
    cond.release();
    expect(woken).to.have.length(6);
  });

  // Ports CPython's _TestCondition.test_timeout.
  it('wait(timeout) resolves false after the timeout and holds the lock again', async () => {
    const cond = new Condition();
    await cond.acquire();
    const attempt = await timed(cond.wait(0.1));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.1);
    cond.release();
    expect(errorOf(() => cond.release())).to.be.instanceOf(RuntimeError);
  });

  // Ports CPython's _TestCondition.test_waitfor.
  it('waitFor() loops until the predicate holds', async () => {
    const cond = new Condition();
    let state = -1;
    const other = (async () => {
      await cond.acquire(true, null, { owner: 'child' });
      state = 0;
      cond.notify(1, { owner: 'child' });
      const result = await cond.waitFor(() => state === 4, null, { owner: 'child' });
      cond.release({ owner: 'child' });
      return result;
    })();

    await cond.acquire();
    expect(await cond.waitFor(() => state === 0)).to.equal(true);
    expect(state).to.equal(0);
    cond.release();

    for (let i = 0; i < 4; i++) {
      await sleep(10);
      await cond.acquire();
      state += 1;
      cond.notify();
      cond.release();
    }
    expect(await other).to.equal(true);
  });

  // Ports CPython's _TestCondition.test_waitfor_timeout.
  it('waitFor() gives up after the timeout and resolves the last (falsy) predicate value', async () => {
    const cond = new Condition();
    let state = 0;
    const other = (async () => {
      await cond.acquire(true, null, { owner: 'child' });
      const started = performance.now();
      const result = await cond.waitFor(() => (state === 4 ? 'done' : ''), 0.1, { owner: 'child' });
      const seconds = (performance.now() - started) / 1000;
      cond.release({ owner: 'child' });
      return { result, seconds };
    })();
    for (let i = 0; i < 3; i++) {
      await sleep(10);
      await cond.acquire();
      state += 1;
      cond.notify();
      cond.release();
    }
    const { result, seconds } = await other;
    expect(result).to.equal('');
    expectAbout(seconds, 0.1);
  });

  it('waitFor() accepts an async predicate and returns at once when it already holds', async () => {
    const cond = new Condition();
    await cond.acquire();
    expect(await cond.waitFor(async () => 42)).to.equal(42);
    let ready = false;
    setTimeout(() => {
      void cond.acquire(true, null, { owner: 'setter' }).then(() => {
        ready = true;
        cond.notifyAll({ owner: 'setter' });
        cond.release({ owner: 'setter' });
      });
    }, 10);
    expect(await cond.waitFor(async () => ready, 5)).to.equal(true);
    cond.release();
  });

  // Ports CPython's _TestCondition.test_wait_result.
  it('wait() resolves false on timeout (0 included) and true when notified', async () => {
    const cond = new Condition();
    await cond.acquire();
    expect(await cond.wait(0)).to.equal(false);
    expect(await cond.wait(0.1)).to.equal(false);
    setTimeout(() => {
      void cond.acquire(true, null, { owner: 'child' }).then(() => {
        cond.notify(1, { owner: 'child' });
        cond.release({ owner: 'child' });
      });
    }, 10);
    expect(await cond.wait(60)).to.equal(true);
    cond.release();
  });

  it("refuses wait and notify by a non-owner with Python's RuntimeError messages", async () => {
    const cond = new Condition();
    let error = await rejectionOf(cond.wait());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot wait on un-acquired lock');
    error = errorOf(() => cond.notify());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot notify on un-acquired lock');
    expect(errorOf(() => cond.notifyAll()).message).to.equal('cannot notify on un-acquired lock');

    await cond.acquire(true, null, { owner: 'a' });
    expect((await rejectionOf(cond.wait(null, { owner: 'b' }))).message).to.equal(
      'cannot wait on un-acquired lock',
    );
    expect(errorOf(() => cond.notify(1, { owner: 'b' }))).to.be.instanceOf(RuntimeError);
    const negative = await rejectionOf(cond.wait(-1, { owner: 'a' }));
    expect(negative).to.be.instanceOf(ValueError);
    expect(negative.message).to.equal("'timeout' must be a non-negative number");
  });

  it('wait() releases a recursively held RLock fully and restores its level', async () => {
    const lock = new RLock();
    const cond = new Condition(lock);
    for (let i = 0; i < 3; i++) await cond.acquire(true, null, { owner: 'a' });
    const waiting = cond.wait(null, { owner: 'a' });
    expect(lock.locked()).to.equal(false);

    expect(await cond.acquire(false, null, { owner: 'b' })).to.equal(true);
    cond.notify(1, { owner: 'b' });
    // Notified, but the lock is b's: a must not resume before b releases.
    expect(await stateOf(waiting)).to.equal('pending');
    cond.release({ owner: 'b' });
    expect(await waiting).to.equal(true);

    expect(lock.isOwned('a')).to.equal(true);
    for (let i = 0; i < 3; i++) cond.release({ owner: 'a' });
    expect(lock.locked()).to.equal(false);
    expect(errorOf(() => cond.release({ owner: 'a' }))).to.be.instanceOf(RuntimeError);
  });

  it('works over a plain Lock, checking its owner', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    await cond.acquire(true, null, { owner: 'a' });
    expect(errorOf(() => cond.notify(1, { owner: 'b' }))).to.be.instanceOf(RuntimeError);
    const waiting = cond.wait(null, { owner: 'a' });
    expect(lock.locked()).to.equal(false);
    await cond.acquire(true, null, { owner: 'b' });
    cond.notify(1, { owner: 'b' });
    cond.release({ owner: 'b' });
    expect(await waiting).to.equal(true);
    expect(lock.isOwned('a')).to.equal(true);
  });

  it('an aborted waiter leaves the notify list and does not retake the lock; notify goes to the next', async () => {
    const cond = new Condition();
    await cond.acquire(true, null, { owner: 'w1' });
    const controller = new AbortController();
    const aborted = cond.wait(null, { owner: 'w1', signal: controller.signal });
    await cond.acquire(true, null, { owner: 'w2' });
    const next = cond.wait(null, { owner: 'w2' });
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);

    await cond.acquire(true, null, { owner: 'main' });
    cond.notify(1, { owner: 'main' });
    cond.release({ owner: 'main' });
    expect(await next).to.equal(true);
    expect(cond.releaseAllOwnedBy('w1')).to.equal(0);
    expect(cond.releaseAllOwnedBy('w2')).to.equal(1);
  });

  it('an abort while retaking the lock after a notify rejects without taking the lock', async () => {
    const lock = new RLock();
    const cond = new Condition(lock);
    await cond.acquire(true, null, { owner: 'a' });
    const controller = new AbortController();
    const waiting = cond.wait(null, { owner: 'a', signal: controller.signal });
    await cond.acquire(true, null, { owner: 'b' });
    cond.notify(1, { owner: 'b' });
    await flush();
    controller.abort();
    expect(await rejectionOf(waiting)).to.be.instanceOf(AbortError);
    cond.release({ owner: 'b' });
    expect(lock.locked()).to.equal(false);
  });

  it('releaseAllOwnedBy() releases the underlying lock and the next acquirer proceeds', async () => {
    const cond = new Condition();
    await cond.acquire(true, null, { owner: 'a' });
    await cond.acquire(true, null, { owner: 'a' });
    const waiting = cond.acquire(true, null, { owner: 'b' });
    expect(cond.releaseAllOwnedBy('b')).to.equal(0);
    expect(cond.releaseAllOwnedBy('a')).to.equal(2);
    expect(await waiting).to.equal(true);
    cond.notify(1, { owner: 'b' });
  });
});
