// Event through a real server, waiter and setter on separate client connections: CPython's
// _TestEvent at the manager level, plus cancellation.
import { expect } from 'chai';
import { SyncManager, AbortError } from '../../lib/index.js';
import type { Served } from '../helpers/servers.js';
import { LONG_TIMEOUT, TIMEOUT, expectAbout, expectQuick, rejectionOf, settledYet, shareWith, sleep, timed, serveTwoClients } from './helpers.js';

describe('sync/Event through the manager', () => {
  let served: Served<SyncManager>;
  let a: SyncManager;
  let b: SyncManager;
  before(async () => ({ served, a, b } = await serveTwoClients()));
  after(() => served.close());

  it('wait() resolves the flag: false after the timeout, true at once when set (test_event)', async () => {
    const event = await a.Event();
    const other = await shareWith(event, b);
    expect(await event.isSet()).to.equal(false);
    let attempt = await timed(event.wait(0));
    expect(attempt.value).to.equal(false);
    expectQuick(attempt.seconds);
    attempt = await timed(event.wait(TIMEOUT));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, TIMEOUT);

    await event.set();
    expect(await event.isSet()).to.equal(true);
    for (const timeout of [null, LONG_TIMEOUT]) {
      attempt = await timed(event.wait(timeout));
      expect(attempt.value).to.equal(true);
      expectQuick(attempt.seconds);
    }

    await event.clear();
    expect(await other.isSet()).to.equal(false);
    const setLater = sleep(TIMEOUT).then(() => other.set());
    expect(await event.wait()).to.equal(true);
    await setLater;
  });

  it('set() on one connection wakes the waiters of every connection', async () => {
    const event = await a.Event();
    const c = await served.client();
    const waits = [event.wait(), (await shareWith(event, b)).wait(10), (await shareWith(event, c)).wait()];
    expect(await settledYet(waits[2], c)).to.equal(false);
    await (await shareWith(event, b)).set();
    expect(await Promise.all(waits)).to.deep.equal([true, true, true]);
    await c.close();
  });

  it('an aborted wait rejects AbortError on the caller only; the others still wait for set()', async () => {
    const event = await a.Event();
    const other = await shareWith(event, b);
    const controller = new AbortController();
    const aborted = other.wait(null, { signal: controller.signal });
    const waiting = event.wait();
    expect(await settledYet(aborted, b)).to.equal(false);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await settledYet(waiting, a)).to.equal(false);
    await other.set();
    expect(await waiting).to.equal(true);
  });

  it("keeps CPython's proxy repr (test_repr)", async () => {
    const event = await a.Event();
    expect(String(event)).to.match(/^<EventProxy object, typeid 'Event' at .*>$/);
    await event.set();
    expect(String(event)).to.match(/^<EventProxy object, typeid 'Event' at .*>$/);
  });
});
