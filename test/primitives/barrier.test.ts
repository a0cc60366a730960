import { expect } from 'chai';
import { AbortError, BrokenBarrierError, ValueError } from '../../lib/errors.js';
import { Barrier } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, flush, rejectionOf, sleep, stateOf, timed } from './helpers.js';

// Adapted from CPython's _TestBarrier: N async parties stand in for its N processes.
const N = 5;

/** Runs `party` N times concurrently (index = which party) and waits for all of them. */
function runParties(party: (which: number) => Promise<void>): Promise<void[]> {
  return Promise.all(Array.from({ length: N }, (_, which) => party(which)));
}

describe('primitives/Barrier', () => {
  let barrier: Barrier;
  beforeEach(() => {
    barrier = new Barrier(N, null, 30);
  });
  afterEach(() => {
    barrier.abort();
  });

  // Ports test_barrier and test_barrier_10.
  for (const passes of [1, 10]) {
    it(`passes in lockstep (${passes} pass${passes > 1 ? 'es' : ''})`, async () => {
      const arrived: true[] = [];
      const left: true[] = [];
      await runParties(async () => {
        for (let i = 0; i < passes; i++) {
          arrived.push(true);
          expect(left).to.have.length(i * N);
          await barrier.wait();
          left.push(true);
          expect(arrived).to.have.length((i + 1) * N);
          await barrier.wait();
        }
        expect(barrier.nWaiting).to.equal(0);
        expect(barrier.broken).to.equal(false);
      });
    });
  }

  // Ports test_wait_return (stronger: every index once).
  it('resolves each arrival index 0..parties-1 once', async () => {
    const indices = await Promise.all(Array.from({ length: N }, () => barrier.wait()));
    expect(indices).to.deep.equal([0, 1, 2, 3, 4]);
  });

  // Ports test_action.
  it('runs the action once, before anyone is released', async () => {
    const results: true[] = [];
    const withAction = new Barrier(N, () => results.push(true));
    await runParties(async () => {
      await withAction.wait();
      expect(results).to.have.length(1);
    });
    expect(results).to.have.length(1);
  });

  it('awaits an async action before releasing the batch', async () => {
    const results: true[] = [];
    const withAction = new Barrier(3, async () => {
      await sleep(20);
      results.push(true);
    });
    const indices = await Promise.all([0, 1, 2].map(async () => {
      const index = await withAction.wait();
      expect(results).to.have.length(1);
      return index;
    }));
    expect(indices).to.deep.equal([0, 1, 2]);
  });

  it('breaks when the action throws: the last arrival gets its error, the others BrokenBarrierError', async () => {
    const failure = new Error('action failed');
    const failing = new Barrier(3, () => {
      throw failure;
    });
    const first = failing.wait();
    const second = failing.wait();
    expect(await rejectionOf(failing.wait())).to.equal(failure);
    expect(await rejectionOf(first)).to.be.instanceOf(BrokenBarrierError);
    expect(await rejectionOf(second)).to.be.instanceOf(BrokenBarrierError);
    expect(failing.broken).to.equal(true);
    expect(await rejectionOf(failing.wait())).to.be.instanceOf(BrokenBarrierError);
  });

  // Ports test_abort.
  it('abort() puts the barrier in a broken state', async () => {
    const passed: true[] = [];
    const broken: true[] = [];
    await runParties(async () => {
      try {
        const index = await barrier.wait();
        if (index === Math.floor(N / 2)) {
          barrier.abort();
          return;
        }
        await barrier.wait();
        passed.push(true);
      } catch (error) {
        if (!(error instanceof BrokenBarrierError)) throw error;
        broken.push(true);
      }
    });
    expect(passed).to.have.length(0);
    expect(broken).to.have.length(N - 1);
    expect(barrier.broken).to.equal(true);
  });

  // Ports test_reset.
  it('reset() frees the waiting parties with BrokenBarrierError and makes the barrier usable again', async () => {
    const passed: true[] = [];
    const broken: true[] = [];
    const again: true[] = [];
    await runParties(async () => {
      const index = await barrier.wait();
      if (index === Math.floor(N / 2)) {
        while (barrier.nWaiting < N - 1) await sleep(1);
        barrier.reset();
      } else {
        try {
          await barrier.wait();
          passed.push(true);
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          broken.push(true);
        }
      }
      await barrier.wait();
      again.push(true);
    });
    expect(passed).to.have.length(0);
    expect(broken).to.have.length(N - 1);
    expect(again).to.have.length(N);
  });

  // Ports test_abort_and_reset.
  it('can be reset after being broken', async () => {
    const passed: true[] = [];
    const broken: true[] = [];
    const again: true[] = [];
    const barrier2 = new Barrier(N);
    await runParties(async () => {
      try {
        const index = await barrier.wait();
        if (index === Math.floor(N / 2)) throw new Error('one party fails');
        await barrier.wait();
        passed.push(true);
      } catch (error) {
        if (error instanceof BrokenBarrierError) broken.push(true);
        else barrier.abort();
      }
      if ((await barrier2.wait()) === Math.floor(N / 2)) barrier.reset();
      await barrier2.wait();
      await barrier.wait();
      again.push(true);
    });
    expect(passed).to.have.length(0);
    expect(broken).to.have.length(N - 1);
    expect(again).to.have.length(N);
  });

  // Ports test_timeout (shorter delays).
  it('breaks for everyone when a wait times out', async () => {
    const broken: true[] = [];
    await runParties(async () => {
      const index = await barrier.wait();
      if (index === Math.floor(N / 2)) await sleep(300); // one party is late
      try {
        await barrier.wait(0.1);
      } catch (error) {
        if (!(error instanceof BrokenBarrierError)) throw error;
        broken.push(true);
      }
    });
    expect(broken).to.have.length(N);
    expect(barrier.broken).to.equal(true);
  });

  // Ports test_default_timeout (shorter delays).
  it("breaks when the barrier's default timeout expires", async () => {
    const withDefault = new Barrier(N, null, 0.1);
    const broken: true[] = [];
    await runParties(async () => {
      const index = await withDefault.wait(30);
      if (index === Math.floor(N / 2)) await sleep(300);
      try {
        await withDefault.wait();
      } catch (error) {
        if (!(error instanceof BrokenBarrierError)) throw error;
        broken.push(true);
      }
    });
    expect(broken).to.have.length(N);
  });

  it('times out within generous bounds', async () => {
    const pair = new Barrier(2);
    const attempt = await timed(pair.wait(0.1));
    expect(attempt.error).to.be.instanceOf(BrokenBarrierError);
    expectAbout(attempt.seconds, 0.1);
    expect(pair.broken).to.equal(true);
  });

  it('with timeout 0 breaks unless the caller is the last arrival', async () => {
    const pair = new Barrier(2);
    const first = pair.wait();
    expect(await pair.wait(0)).to.equal(1);
    expect(await first).to.equal(0);
    expect(await rejectionOf(pair.wait(0))).to.be.instanceOf(BrokenBarrierError);
    expect(pair.broken).to.equal(true);
  });

  // Ports test_single_thread.
  it('with one party never waits', async () => {
    const single = new Barrier(1);
    expect(await single.wait()).to.equal(0);
    expect(await single.wait()).to.equal(0);
  });

  it('an aborted waiter rejects AbortError and breaks the barrier for the others', async () => {
    const trio = new Barrier(3);
    const controller = new AbortController();
    const aborted = trio.wait(null, { signal: controller.signal });
    const other = trio.wait();
    expect(trio.nWaiting).to.equal(2);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await rejectionOf(other)).to.be.instanceOf(BrokenBarrierError);
    expect(trio.broken).to.equal(true);
    expect(trio.nWaiting).to.equal(0);
    expect(await rejectionOf(trio.wait())).to.be.instanceOf(BrokenBarrierError);

    trio.reset();
    expect(trio.broken).to.equal(false);
    expect(await Promise.all([trio.wait(), trio.wait(), trio.wait()])).to.deep.equal([0, 1, 2]);
  });

  it('an already-aborted signal rejects without joining the round', async () => {
    const pair = new Barrier(2);
    expect(await rejectionOf(pair.wait(null, { signal: AbortSignal.abort() }))).to.be.instanceOf(AbortError);
    expect(pair.nWaiting).to.equal(0);
    expect(pair.broken).to.equal(false);
  });

  it('reset() rejects the current waiters and starts a fresh round', async () => {
    const trio = new Barrier(3);
    const waits = [trio.wait(), trio.wait()];
    await flush();
    expect(trio.nWaiting).to.equal(2);
    trio.reset();
    for (const wait of waits) expect(await rejectionOf(wait)).to.be.instanceOf(BrokenBarrierError);
    expect(trio.nWaiting).to.equal(0);
    const fresh = trio.wait();
    expect(await stateOf(fresh)).to.equal('pending');
    expect(trio.nWaiting).to.equal(1);
    trio.abort();
    expect(await rejectionOf(fresh)).to.be.instanceOf(BrokenBarrierError);
  });

  it("validates parties and timeout with Python's messages", async () => {
    expect(errorOf(() => new Barrier(0)).message).to.equal('parties must be > 0');
    expect(errorOf(() => new Barrier(-1))).to.be.instanceOf(ValueError);
    expect(errorOf(() => new Barrier(2, null, -1))).to.be.instanceOf(ValueError);
    const error = await rejectionOf(new Barrier(2).wait(-1));
    expect(error).to.be.instanceOf(ValueError);
    expect(barrier.parties).to.equal(N);
    expect(barrier.timeout).to.equal(30);
  });
});
