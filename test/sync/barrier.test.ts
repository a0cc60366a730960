// Barrier through a real server, each party on its own client connection: CPython's _TestBarrier at
// the manager level (the `action` tests do not apply: functions are not shipped over the wire).
import { expect } from 'chai';
import { SyncManager, AbortError, AttributeError, BrokenBarrierError, type BarrierProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { expectAbout, rejectionOf, settledYet, shareWith, sleep, timed } from './helpers.js';

const N = 5;

describe('sync/Barrier through the manager', () => {
  let served: Served<SyncManager>;
  let clients: SyncManager[];
  let barrier: BarrierProxy;
  before(async () => {
    served = await serve(SyncManager);
    clients = await Promise.all(Array.from({ length: N }, () => served.client()));
  });
  beforeEach(async () => {
    barrier = await clients[0].Barrier(N, 30);
  });
  afterEach(() => barrier.abort());
  after(() => served.close());

  /** Runs `f` once per party, each with its own proxies on its own connection (CPython's Bunch). */
  async function runParties<R>(f: (b: BarrierProxy, party: number) => Promise<R>, target: BarrierProxy = barrier): Promise<R[]> {
    const proxies = await Promise.all(clients.map((m) => shareWith(target, m)));
    return Promise.all(proxies.map((b, party) => f(b, party)));
  }

  for (const passes of [1, 10]) {
    it(`is passed in lockstep, ${passes} pass(es) (test_barrier${passes > 1 ? '_10' : ''})`, async () => {
      const before: boolean[] = [];
      const after: boolean[] = [];
      await runParties(async (b) => {
        expect(await b.parties()).to.equal(N);
        for (let i = 0; i < passes; i++) {
          before.push(true);
          expect(after.length).to.equal(i * N);
          await b.wait();
          after.push(true);
          expect(before.length).to.equal((i + 1) * N);
          await b.wait();
        }
        expect(await b.nWaiting()).to.equal(0);
        expect(await b.broken()).to.equal(false);
      });
    });
  }

  it('wait() resolves each arrival index 0..N-1 exactly once (test_wait_return)', async () => {
    const indices = await runParties((b) => b.wait());
    expect([...indices].sort()).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('abort() breaks the barrier for every waiter (test_abort)', async () => {
    const passed: boolean[] = [];
    const broken: boolean[] = [];
    await runParties(async (b) => {
      try {
        const index = await b.wait();
        if (index === Math.floor(N / 2)) return b.abort();
        await b.wait();
        passed.push(true);
      } catch (error) {
        expect(error).to.be.instanceOf(BrokenBarrierError);
        broken.push(true);
      }
    });
    expect(passed.length).to.equal(0);
    expect(broken.length).to.equal(N - 1);
    expect(await barrier.broken()).to.equal(true);
  });

  it('reset() frees the waiting parties with BrokenBarrierError and the barrier passes again (test_reset)', async () => {
    const [passed, broken, again]: boolean[][] = [[], [], []];
    await runParties(async (b) => {
      const index = await b.wait();
      if (index === Math.floor(N / 2)) {
        while ((await b.nWaiting()) < N - 1) await sleep(0.001);
        await b.reset();
      } else {
        try {
          await b.wait();
          passed.push(true);
        } catch (error) {
          expect(error).to.be.instanceOf(BrokenBarrierError);
          broken.push(true);
        }
      }
      await b.wait();
      again.push(true);
    });
    expect([passed.length, broken.length, again.length]).to.deep.equal([0, N - 1, N]);
  });

  it('can be reset after being broken (test_abort_and_reset)', async () => {
    const [passed, broken, again]: boolean[][] = [[], [], []];
    const barrier2 = await clients[0].Barrier(N);
    const proxies2 = await Promise.all(clients.map((m) => shareWith(barrier2, m)));
    await runParties(async (b, party) => {
      const b2 = proxies2[party];
      try {
        const index = await b.wait();
        if (index === Math.floor(N / 2)) throw new Error('the middle one aborts');
        await b.wait();
        passed.push(true);
      } catch (error) {
        if (error instanceof BrokenBarrierError) broken.push(true);
        else await b.abort();
      }
      if ((await b2.wait()) === Math.floor(N / 2)) await b.reset();
      await b2.wait();
      await b.wait();
      again.push(true);
    });
    expect([passed.length, broken.length, again.length]).to.deep.equal([0, N - 1, N]);
  });

  it('a wait that times out breaks the barrier for every party (test_timeout)', async () => {
    const broken: boolean[] = [];
    await runParties(async (b) => {
      const index = await b.wait();
      if (index === Math.floor(N / 2)) await sleep(1);
      try {
        await b.wait(0.5);
      } catch (error) {
        expect(error).to.be.instanceOf(BrokenBarrierError);
        broken.push(true);
      }
    });
    expect(broken.length).to.equal(N);
  });

  it("the barrier's default timeout breaks it too (test_default_timeout)", async () => {
    const withDefault = await clients[0].Barrier(N, 0.5);
    const broken: boolean[] = [];
    await runParties(async (b) => {
      const index = await b.wait(30);
      if (index === Math.floor(N / 2)) await sleep(1);
      const attempt = await timed(b.wait());
      if (attempt.error instanceof BrokenBarrierError) broken.push(true);
    }, withDefault);
    expect(broken.length).to.equal(N);
  });

  it('with one party never waits (test_single_thread)', async () => {
    const single = await clients[0].Barrier(1);
    expect(await single.wait()).to.equal(0);
    expect(await single.wait()).to.equal(0);
  });

  it('reads parties, n_waiting and broken through __getattribute__, and nothing else', async () => {
    const [first, second] = await Promise.all(clients.slice(0, 2).map((m) => shareWith(barrier, m)));
    expect(await first.parties()).to.equal(N);
    const waiting = first.wait();
    expect(await settledYet(waiting, clients[0])).to.equal(false);
    expect(await second.nWaiting()).to.equal(1);
    expect(await second.broken()).to.equal(false);
    const error = await rejectionOf(second._callMethod('__getattribute__', ['_Barrier__action']));
    expect(error).to.be.instanceOf(AttributeError);
    await second.abort();
    expect(await rejectionOf(waiting)).to.be.instanceOf(BrokenBarrierError);
    expect(await first.broken()).to.equal(true);
    expect(await first.nWaiting()).to.equal(0);
  });

  it('a timed wait returns within a sensible bound', async () => {
    const pair = await clients[0].Barrier(2);
    const attempt = await timed(pair.wait(0.2));
    expect(attempt.error).to.be.instanceOf(BrokenBarrierError);
    expectAbout(attempt.seconds, 0.2);
  });

  it('an aborted wait rejects AbortError and breaks the barrier for the other parties', async () => {
    const [first, second] = await Promise.all(clients.slice(0, 2).map((m) => shareWith(barrier, m)));
    const controller = new AbortController();
    const aborted = first.wait(null, { signal: controller.signal });
    const other = second.wait();
    expect(await settledYet(other, clients[1])).to.equal(false);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await rejectionOf(other)).to.be.instanceOf(BrokenBarrierError);
    expect(await barrier.broken()).to.equal(true);
  });
});
