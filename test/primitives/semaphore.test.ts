import { expect } from 'chai';
import { AbortError, ValueError } from '../../lib/errors.js';
import { BoundedSemaphore, Semaphore } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, expectQuick, rejectionOf, stateOf, timed } from './helpers.js';

// Ports CPython's _TestSemaphore._test_semaphore.
async function checkTwoUnits(sem: Semaphore): Promise<void> {
  expect(sem.value).to.equal(2);
  expect(await sem.acquire()).to.equal(true);
  expect(sem.value).to.equal(1);
  expect(await sem.acquire()).to.equal(true);
  expect(sem.value).to.equal(0);
  expect(await sem.acquire(false)).to.equal(false);
  expect(sem.value).to.equal(0);
  expect(sem.release()).to.equal(undefined);
  expect(sem.value).to.equal(1);
  expect(sem.release()).to.equal(undefined);
  expect(sem.value).to.equal(2);
}

describe('primitives/Semaphore', () => {
  // Ports CPython's _TestSemaphore.test_semaphore.
  it('counts units and may be released above its initial value', async () => {
    const sem = new Semaphore(2);
    await checkTwoUnits(sem);
    sem.release();
    expect(sem.value).to.equal(3);
    sem.release();
    expect(sem.value).to.equal(4);
  });

  // Ports CPython's _TestSemaphore.test_bounded_semaphore, with the over-release check it leaves out.
  it('BoundedSemaphore refuses to rise above its initial value', async () => {
    const sem = new BoundedSemaphore(2);
    await checkTwoUnits(sem);
    const error = errorOf(() => sem.release());
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('Semaphore released too many times');
    expect(sem.value).to.equal(2);
    await sem.acquire();
    expect(errorOf(() => sem.release(2)).message).to.equal('Semaphore released too many times');
    expect(sem.value).to.equal(1);
  });

  // Ports CPython's _TestSemaphore.test_timeout (threading's ValueError for a non-blocking timeout).
  it('times out with false and never waits when not blocking', async () => {
    const sem = new Semaphore(0);
    let attempt = await timed(sem.acquire(false));
    expect(attempt.value).to.equal(false);
    expectQuick(attempt.seconds);
    attempt = await timed(sem.acquire(false, null));
    expect(attempt.value).to.equal(false);
    const error = await rejectionOf(sem.acquire(false, 0.1));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal("can't specify timeout for non-blocking acquire");
    attempt = await timed(sem.acquire(true, 0.05));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.05);
    attempt = await timed(sem.acquire(undefined, 0.08));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.08);
    expect(await sem.acquire(true, 0)).to.equal(false);
  });

  it("validates its arguments with Python's messages", async () => {
    expect(errorOf(() => new Semaphore(-1)).message).to.equal('semaphore initial value must be >= 0');
    expect(errorOf(() => new BoundedSemaphore(-1))).to.be.instanceOf(ValueError);
    const sem = new Semaphore(0);
    expect(errorOf(() => sem.release(0)).message).to.equal('n must be one or more');
    expect(errorOf(() => sem.release(-1))).to.be.instanceOf(ValueError);
    const negative = await rejectionOf(sem.acquire(true, -1));
    expect(negative).to.be.instanceOf(ValueError);
    expect(negative.message).to.equal("'timeout' must be a non-negative number");
    expect(sem.value).to.equal(0);
  });

  it('hands released units to waiters oldest first, so a newcomer never overtakes them', async () => {
    const sem = new Semaphore(0);
    const order: string[] = [];
    const waits = ['a', 'b', 'c', 'd'].map((owner) =>
      sem.acquire(true, null, { owner }).then(() => order.push(owner)),
    );
    sem.release();
    expect(sem.value).to.equal(0);
    expect(await sem.acquire(false, null, { owner: 'newcomer' })).to.equal(false);
    sem.release(3);
    await Promise.all(waits);
    expect(order).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(sem.value).to.equal(0);
    expect(sem.heldBy('newcomer')).to.equal(0);
    // The releases named no owner holding units, so each took the earliest holder's: only d holds one.
    expect(['a', 'b', 'c', 'd'].map((owner) => sem.heldBy(owner))).to.deep.equal([0, 0, 0, 1]);
  });

  it('removes an aborted acquire at once: the unit stays available', async () => {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const aborted = sem.acquire(true, null, { owner: 'a', signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    sem.release();
    expect(sem.value).to.equal(1);
    expect(sem.heldBy('a')).to.equal(0);
  });

  it('tracks units per owner; a release by a non-holder takes the earliest holder’s unit', async () => {
    const sem = new Semaphore(3);
    await sem.acquire(true, null, { owner: 'a' });
    await sem.acquire(true, null, { owner: 'b' });
    await sem.acquire(true, null, { owner: 'a' });
    expect(sem.heldBy('a')).to.equal(2);
    expect(sem.heldBy('b')).to.equal(1);
    sem.release(1, { owner: 'nobody' });
    expect(sem.heldBy('a')).to.equal(1);
    sem.release(2, { owner: 'b' }); // b's own unit, then the earliest holder's (a)
    expect(sem.heldBy('b')).to.equal(0);
    expect(sem.heldBy('a')).to.equal(0);
    expect(sem.value).to.equal(3);
  });

  it('releaseAllOwnedBy() gives back exactly the units of that owner, to the waiters first', async () => {
    const sem = new BoundedSemaphore(3);
    await sem.acquire(true, null, { owner: 'a' });
    await sem.acquire(true, null, { owner: 'a' });
    await sem.acquire(true, null, { owner: 'b' });
    const waiting = sem.acquire(true, null, { owner: 'c' });
    expect(sem.releaseAllOwnedBy('c')).to.equal(0);
    expect(await stateOf(waiting)).to.equal('pending');
    expect(sem.releaseAllOwnedBy('a')).to.equal(2);
    expect(await waiting).to.equal(true);
    expect(sem.heldBy('c')).to.equal(1);
    expect(sem.heldBy('b')).to.equal(1);
    expect(sem.value).to.equal(1);
    expect(sem.releaseAllOwnedBy('a')).to.equal(0);
    expect(sem.releaseAllOwnedBy('b')).to.equal(1);
    expect(sem.value).to.equal(2);
  });
});
