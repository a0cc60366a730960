import { expect } from 'chai';
import { AbortError, ValueError } from '../../lib/errors.js';
import { Event } from '../../lib/primitives/index.js';
import { expectAbout, expectQuick, rejectionOf, stateOf, timed } from './helpers.js';

describe('primitives/Event', () => {
  // Ports CPython's _TestEvent.test_event.
  it('wait() resolves the flag, at once when set and after the timeout when not', async () => {
    const event = new Event();
    expect(event.isSet()).to.equal(false);

    let attempt = await timed(event.wait(0));
    expect(attempt.value).to.equal(false);
    expectQuick(attempt.seconds);
    attempt = await timed(event.wait(0.1));
    expect(attempt.value).to.equal(false);
    expectAbout(attempt.seconds, 0.1);

    event.set();
    expect(event.isSet()).to.equal(true);
    attempt = await timed(event.wait());
    expect(attempt.value).to.equal(true);
    expectQuick(attempt.seconds);
    attempt = await timed(event.wait(0.1));
    expect(attempt.value).to.equal(true);
    expectQuick(attempt.seconds);

    event.clear();
    expect(event.isSet()).to.equal(false);
    setTimeout(() => event.set(), 50);
    expect(await event.wait()).to.equal(true);
  });

  it('set() wakes every waiter at once', async () => {
    const event = new Event();
    const waits = [event.wait(), event.wait(5), event.wait(null)];
    expect(await stateOf(waits[0])).to.equal('pending');
    event.set();
    expect(await Promise.all(waits)).to.deep.equal([true, true, true]);
  });

  it('an aborted wait rejects AbortError and is not woken by set()', async () => {
    const event = new Event();
    const controller = new AbortController();
    const aborted = event.wait(null, { signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await rejectionOf(event.wait(null, { signal: AbortSignal.abort() }))).to.be.instanceOf(AbortError);
    event.set();
  });

  it('rejects a negative timeout with ValueError', async () => {
    const error = await rejectionOf(new Event().wait(-0.1));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal("'timeout' must be a non-negative number");
  });
});
