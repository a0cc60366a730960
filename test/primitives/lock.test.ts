import { expect } from 'chai';
import { AbortError, RuntimeError, ValueError } from '../../lib/errors.js';
import { DEFAULT_OWNER, Lock } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, rejectionOf, stateOf, timed } from './helpers.js';

describe('primitives/Lock', () => {
  // Ports CPython's _TestLock.test_lock.
  it('acquires, refuses a second non-blocking acquire, and refuses to release when unlocked', async () => {
    const lock = new Lock();
    expect(await lock.acquire()).to.equal(true);
    expect(lock.locked()).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    expect(lock.release()).to.equal(undefined);
    expect(lock.locked()).to.equal(false);
    const error = errorOf(() => lock.release());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('release unlocked lock');
  });

  it('is not re-entrant, even for the same owner', async () => {
    const lock = new Lock();
    expect(await lock.acquire()).to.equal(true);
    expect(await lock.acquire(true, 0)).to.equal(false);
    expect(await lock.acquire(true, 0, { owner: DEFAULT_OWNER })).to.equal(false);
  });

  it("rejects a timeout on a non-blocking call and a negative timeout with Python's messages", async () => {
    const lock = new Lock();
    let error = await rejectionOf(lock.acquire(false, 1));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal("can't specify a timeout for a non-blocking call");
    error = await rejectionOf(lock.acquire(true, -1));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('timeout value must be positive');
    expect(lock.locked()).to.equal(false);
  });

  it('resolves false after the timeout, and a poll (timeout 0) answers without waiting for any timer', async () => {
    const lock = new Lock();
    await lock.acquire();
    const attempt = await timed(lock.acquire(true, 0.1));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.1);
    // No clock involved: the poll has settled before the event loop's next turn (a poll that waited,
    // even on a 0 ms timer, would still be pending), however loaded the machine is.
    const poll = lock.acquire(true, 0);
    expect(await stateOf(poll)).to.equal('fulfilled');
    expect(await poll).to.equal(false);
    lock.release();
    expect(await lock.acquire(true, 0)).to.equal(true);
  });

  it('hands the lock to waiters oldest first, so a newcomer never overtakes them', async () => {
    const lock = new Lock();
    await lock.acquire(true, null, { owner: 'a' });
    const order: string[] = [];
    const waits = ['b', 'c', 'd'].map((owner) =>
      lock.acquire(true, null, { owner }).then(() => order.push(owner)),
    );
    lock.release({ owner: 'a' });
    expect(lock.locked()).to.equal(true);
    expect(await lock.acquire(false, null, { owner: 'newcomer' })).to.equal(false);
    expect(lock.isOwned('b')).to.equal(true);
    lock.release({ owner: 'b' });
    lock.release({ owner: 'c' });
    await Promise.all(waits.slice(0, 3));
    expect(order).to.deep.equal(['b', 'c', 'd']);
    expect(lock.isOwned('d')).to.equal(true);
  });

  it('may be released by anyone, as in Python', async () => {
    const lock = new Lock();
    await lock.acquire(true, null, { owner: 'a' });
    lock.release({ owner: 'b' });
    expect(lock.locked()).to.equal(false);
    expect(lock.isOwned('a')).to.equal(false);
  });

  it('removes an aborted acquire at once: the lock is not taken by it', async () => {
    const lock = new Lock();
    await lock.acquire(true, null, { owner: 'a' });
    const controller = new AbortController();
    const aborted = lock.acquire(true, null, { owner: 'b', signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    lock.release();
    expect(lock.locked()).to.equal(false);
    expect(await rejectionOf(lock.acquire(true, null, { signal: AbortSignal.abort() }))).to.be.instanceOf(
      AbortError,
    );
    expect(lock.locked()).to.equal(false);
  });

  it('releaseAllOwnedBy() frees the lock of its holder only, handing it to the next waiter', async () => {
    const lock = new Lock();
    await lock.acquire(true, null, { owner: 'a' });
    const waiting = lock.acquire(true, null, { owner: 'b' });
    expect(lock.releaseAllOwnedBy('b')).to.equal(0);
    expect(await stateOf(waiting)).to.equal('pending');
    expect(lock.releaseAllOwnedBy('a')).to.equal(1);
    expect(await waiting).to.equal(true);
    expect(lock.isOwned('b')).to.equal(true);
    expect(lock.releaseAllOwnedBy('a')).to.equal(0);
  });
});
