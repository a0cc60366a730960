// Lock, RLock, Semaphore and BoundedSemaphore through a real server, on separate client
// connections: CPython's _TestLock and _TestSemaphore, plus ownership across connections (the
// owner of an RLock is the client connection), FIFO hand-over and cancellation.
import { expect } from 'chai';
import { SyncManager, AbortError, RuntimeError, ValueError, type AcquirerProxy } from '../../lib/index.js';
import type { Served } from '../helpers/servers.js';
import { TIMEOUT, expectAbout, expectQuick, rejectionOf, settledYet, shareWith, timed, serveTwoClients } from './helpers.js';

describe('sync/Lock, RLock, Semaphore through the manager', () => {
  let served: Served<SyncManager>;
  let a: SyncManager;
  let b: SyncManager;
  before(async () => ({ served, a, b } = await serveTwoClients()));
  after(() => served.close());

  type AcquirerTypeid = 'Lock' | 'RLock' | 'Semaphore' | 'BoundedSemaphore';

  /** A primitive made by client `a`, and the same primitive seen by client `b`. */
  async function shared(typeid: AcquirerTypeid, value?: number): Promise<[AcquirerProxy, AcquirerProxy]> {
    const mine = value === undefined ? await a[typeid]() : await (a[typeid] as (v: number) => Promise<AcquirerProxy>)(value);
    return [mine, await shareWith(mine, b)];
  }

  it('Lock: acquire, refuse a second non-blocking acquire, refuse to release when unlocked (test_lock)', async () => {
    const [lock] = await shared('Lock');
    expect(await lock.acquire()).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    expect(await lock.release()).to.equal(null);
    const error = await rejectionOf(lock.release());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('release unlocked lock');
  });

  it('RLock: re-entrant for its owner, one release too many rejects RuntimeError (test_rlock)', async () => {
    const [lock] = await shared('RLock');
    for (let i = 0; i < 3; i++) expect(await lock.acquire()).to.equal(true);
    for (let i = 0; i < 3; i++) expect(await lock.release()).to.equal(null);
    expect(await rejectionOf(lock.release())).to.be.instanceOf(RuntimeError);
  });

  it('withAcquired holds the lock around the callback and releases it after a throw too (test_lock_context)', async () => {
    const [lock, other] = await shared('Lock');
    const inside = await lock.withAcquired(() => other.acquire(false));
    expect(inside).to.equal(false);
    const failure = new Error('inside');
    expect(await rejectionOf(lock.withAcquired(() => Promise.reject(failure)))).to.equal(failure);
    expect(await other.acquire(false)).to.equal(true);
    await other.release();
  });

  it('a Lock has no owner: another connection may release it, as in CPython', async () => {
    const [lock, other] = await shared('Lock');
    await lock.acquire();
    await other.release();
    expect(await other.acquire(false)).to.equal(true);
    await lock.release();
  });

  it('an RLock belongs to one connection: the other can neither take nor release it', async () => {
    const [lock, other] = await shared('RLock');
    await lock.acquire();
    await lock.acquire();
    expect(await other.acquire(false)).to.equal(false);
    const attempt = await timed(other.acquire(true, TIMEOUT));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, TIMEOUT);
    const error = await rejectionOf(other.release());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot release un-acquired lock');
    // A waiter on the other connection gets it once both levels are released.
    const waiting = other.acquire();
    await lock.release();
    expect(await settledYet(waiting, b)).to.equal(false);
    await lock.release();
    expect(await waiting).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    await other.release();
  });

  it('two proxies on one connection are one owner (the connection, not the proxy)', async () => {
    const [lock] = await shared('RLock');
    const sameConnection = await shareWith(lock, a);
    await lock.acquire();
    expect(await sameConnection.acquire(false)).to.equal(true);
    await sameConnection.release();
    await sameConnection.release();
    expect(await rejectionOf(lock.release())).to.be.instanceOf(RuntimeError);
  });

  it('hands a Lock to waiters on other connections oldest first', async () => {
    const [lock, other] = await shared('Lock');
    const c = await served.client();
    const third = await shareWith(lock, c);
    await lock.acquire();
    const order: string[] = [];
    const first = other.acquire().then(() => order.push('b'));
    expect(await settledYet(first, b)).to.equal(false);
    const second = third.acquire().then(() => order.push('c'));
    expect(await settledYet(second, c)).to.equal(false);
    await lock.release();
    await first;
    expect(await settledYet(second, c)).to.equal(false);
    await other.release();
    await second;
    await third.release();
    expect(order).to.deep.equal(['b', 'c']);
    await c.close();
  });

  it('Semaphore: counts units and may be released above its initial value (test_semaphore)', async () => {
    const [sem] = await shared('Semaphore', 2);
    expect(await sem.acquire()).to.equal(true);
    expect(await sem.acquire()).to.equal(true);
    expect(await sem.acquire(false)).to.equal(false);
    expect(await sem.release()).to.equal(null);
    expect(await sem.release()).to.equal(null);
    expect(await sem.release()).to.equal(null);
    expect(await sem.release()).to.equal(null);
    for (let i = 0; i < 4; i++) expect(await sem.acquire(false)).to.equal(true);
    expect(await sem.acquire(false)).to.equal(false);
  });

  it('BoundedSemaphore: refuses to rise above its initial value (test_bounded_semaphore)', async () => {
    const [sem, other] = await shared('BoundedSemaphore', 2);
    expect(await sem.acquire()).to.equal(true);
    expect(await other.acquire()).to.equal(true);
    expect(await sem.acquire(false)).to.equal(false);
    await other.release();
    await sem.release();
    const error = await rejectionOf(sem.release());
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('Semaphore released too many times');
  });

  it('Semaphore(0): non-blocking acquires fail at once, timed ones after about the timeout (test_timeout)', async () => {
    const [sem] = await shared('Semaphore', 0);
    let attempt = await timed(sem.acquire(false));
    expect(attempt.value).to.equal(false);
    expectQuick(attempt.seconds);
    attempt = await timed(sem.acquire(false, null));
    expect(attempt.value).to.equal(false);
    expectQuick(attempt.seconds);
    // threading.Semaphore (what CPython's manager serves) refuses a timeout on a non-blocking call.
    const error = await rejectionOf(sem.acquire(false, TIMEOUT));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal("can't specify timeout for non-blocking acquire");
    attempt = await timed(sem.acquire(true, TIMEOUT));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, TIMEOUT);
    attempt = await timed(sem.acquire(undefined, TIMEOUT));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, TIMEOUT);
  });

  it("Lock and RLock: timed acquires return false after about the timeout; Python's ValueErrors", async () => {
    for (const typeid of ['Lock', 'RLock'] as const) {
      const [lock, other] = await shared(typeid);
      await lock.acquire();
      const attempt = await timed(other.acquire(true, 0.2));
      expect(attempt.value).to.equal(false);
      expectAbout(attempt.seconds, 0.2);
      expect((await timed(other.acquire(true, 0))).value).to.equal(false);
      let error = await rejectionOf(other.acquire(false, 1));
      expect(error).to.be.instanceOf(ValueError);
      expect(error.message).to.equal("can't specify a timeout for a non-blocking call");
      error = await rejectionOf(other.acquire(true, -2));
      expect(error).to.be.instanceOf(ValueError);
      expect(error.message).to.equal('timeout value must be positive');
      await lock.release();
    }
  });

  for (const typeid of ['Lock', 'RLock', 'Semaphore'] as const) {
    it(`${typeid}: an aborted acquire is removed on the server and never takes it; the next waiter does`, async () => {
      const [holder, other] = await shared(typeid);
      const c = await served.client();
      const next = await shareWith(holder, c);
      await holder.acquire();
      const controller = new AbortController();
      const aborted = other.acquire(true, null, { signal: controller.signal });
      expect(await settledYet(aborted, b)).to.equal(false);
      const waiting = next.acquire();
      expect(await settledYet(waiting, c)).to.equal(false);
      controller.abort();
      expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
      await holder.release();
      expect(await waiting).to.equal(true);
      // `next` holds it now: the aborted connection did not.
      expect(await other.acquire(false)).to.equal(false);
      await next.release();
      expect(await other.acquire(false)).to.equal(true);
      await other.release();
      await c.close();
    });
  }
});
