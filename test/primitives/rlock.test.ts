import { expect } from 'chai';
import { AbortError, RuntimeError, ValueError } from '../../lib/errors.js';
import { DEFAULT_OWNER, RLock } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, rejectionOf, stateOf, timed } from './helpers.js';

describe('primitives/RLock', () => {
  // Ports CPython's _TestLock.test_rlock.
  it('is re-entrant and refuses one release too many', async () => {
    const lock = new RLock();
    expect(await lock.acquire()).to.equal(true);
    expect(await lock.acquire()).to.equal(true);
    expect(await lock.acquire()).to.equal(true);
    expect(lock.release()).to.equal(undefined);
    expect(lock.release()).to.equal(undefined);
    expect(lock.locked()).to.equal(true);
    expect(lock.release()).to.equal(undefined);
    expect(lock.locked()).to.equal(false);
    const error = errorOf(() => lock.release());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('cannot release un-acquired lock');
  });

  it('uses DEFAULT_OWNER when no owner is given', async () => {
    const lock = new RLock();
    await lock.acquire();
    expect(lock.isOwned(DEFAULT_OWNER)).to.equal(true);
    lock.release({ owner: DEFAULT_OWNER });
    expect(lock.locked()).to.equal(false);
  });

  it('belongs to one owner at a time', async () => {
    const lock = new RLock();
    await lock.acquire(true, null, { owner: 'a' });
    await lock.acquire(true, null, { owner: 'a' });
    expect(await lock.acquire(false, null, { owner: 'b' })).to.equal(false);
    expect(errorOf(() => lock.release({ owner: 'b' }))).to.be.instanceOf(RuntimeError);

    const waiting = lock.acquire(true, null, { owner: 'b' });
    lock.release({ owner: 'a' });
    expect(await stateOf(waiting)).to.equal('pending');
    lock.release({ owner: 'a' });
    expect(await waiting).to.equal(true);
    expect(lock.isOwned('b')).to.equal(true);
    expect(lock.isOwned('a')).to.equal(false);
    expect(errorOf(() => lock.release({ owner: 'a' })).message).to.equal('cannot release un-acquired lock');
    lock.release({ owner: 'b' });
    expect(lock.locked()).to.equal(false);
  });

  it('hands the lock to waiters oldest first', async () => {
    const lock = new RLock();
    await lock.acquire(true, null, { owner: 'a' });
    const order: string[] = [];
    const waits = ['b', 'c', 'd'].map((owner) =>
      lock.acquire(true, null, { owner }).then(() => order.push(owner)),
    );
    for (const owner of ['a', 'b', 'c']) {
      lock.release({ owner });
      expect(await lock.acquire(false, null, { owner: 'newcomer' })).to.equal(false);
    }
    await Promise.all(waits);
    expect(order).to.deep.equal(['b', 'c', 'd']);
  });

  it("times out with false, polls with 0, and uses Python's ValueError messages", async () => {
    const lock = new RLock();
    await lock.acquire(true, null, { owner: 'a' });
    const attempt = await timed(lock.acquire(true, 0.1, { owner: 'b' }));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.1);
    expect(await lock.acquire(true, 0, { owner: 'b' })).to.equal(false);
    expect(await lock.acquire(true, 0, { owner: 'a' })).to.equal(true);
    expect((await rejectionOf(lock.acquire(false, 2))).message).to.equal(
      "can't specify a timeout for a non-blocking call",
    );
    const negative = await rejectionOf(lock.acquire(true, -3));
    expect(negative).to.be.instanceOf(ValueError);
    expect(negative.message).to.equal('timeout value must be positive');
  });

  it('removes an aborted acquire at once: the lock is not taken by it', async () => {
    const lock = new RLock();
    await lock.acquire(true, null, { owner: 'a' });
    const controller = new AbortController();
    const aborted = lock.acquire(true, null, { owner: 'b', signal: controller.signal });
    const next = lock.acquire(true, null, { owner: 'c' });
    controller.abort();
    lock.release({ owner: 'a' });
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await next).to.equal(true);
    expect(lock.isOwned('c')).to.equal(true);
    expect(lock.isOwned('b')).to.equal(false);
  });

  it('releaseAllOwnedBy() drops every recursion level and hands the lock on', async () => {
    const lock = new RLock();
    for (let i = 0; i < 3; i++) await lock.acquire(true, null, { owner: 'a' });
    const waiting = lock.acquire(true, null, { owner: 'b' });
    expect(lock.releaseAllOwnedBy('b')).to.equal(0);
    expect(lock.releaseAllOwnedBy('a')).to.equal(3);
    expect(await waiting).to.equal(true);
    expect(lock.isOwned('b')).to.equal(true);
    lock.release({ owner: 'b' });
    expect(lock.locked()).to.equal(false);
  });
});
