// Queue and JoinableQueue through a real server, with producers and consumers on separate client
// connections: CPython's _TestQueue at the manager level, plus FIFO fairness, cancellation and
// `for await`.
import { expect } from 'chai';
import { SyncManager, Empty, Full, ValueError, AbortError, type QueueProxy } from '../../lib/index.js';
import type { Served } from '../helpers/servers.js';
import { LONG_TIMEOUT, TIMEOUT, expectAbout, expectQuick, rejectionOf, settledYet, shareWith, sleep, timed, serveTwoClients } from './helpers.js';

describe('sync/Queue through the manager', () => {
  let served: Served<SyncManager>;
  let a: SyncManager;
  let b: SyncManager;
  before(async () => ({ served, a, b } = await serveTwoClients()));
  after(() => served.close());

  /** A queue made by client `a`, and the same queue seen by client `b`. */
  async function sharedQueue<T>(maxsize = 0, typeid: 'Queue' | 'JoinableQueue' = 'Queue'): Promise<[QueueProxy<T>, QueueProxy<T>]> {
    const qa = await a[typeid]<T>(maxsize);
    return [qa, await shareWith(qa, b)];
  }

  it('put: fills to maxsize, then Full at once without blocking and after the timeout with it (test_put)', async () => {
    const [queue, consumer] = await sharedQueue<number>(6);
    expect(await queue.empty()).to.equal(true);
    expect(await queue.full()).to.equal(false);
    await queue.put(1);
    await queue.put(2, true);
    await queue.put(3, true, null);
    await queue.put(4, false);
    await queue.put(5, false, null);
    await queue.putNowait(6);
    expect(await queue.empty()).to.equal(false);
    expect(await queue.full()).to.equal(true);

    let attempt = await timed(queue.put(7, false));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.put(7, false, null));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.putNowait(7));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.put(7, true, TIMEOUT));
    expect(attempt.error).to.be.instanceOf(Full);
    expectAbout(attempt.seconds, TIMEOUT);
    attempt = await timed(queue.put(7, false, LONG_TIMEOUT));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.put(7, true, TIMEOUT));
    expect(attempt.error).to.be.instanceOf(Full);
    expectAbout(attempt.seconds, TIMEOUT);

    for (let i = 1; i <= 6; i++) expect(await consumer.get()).to.equal(i);
    expect(await queue.empty()).to.equal(true);
    expect(await queue.full()).to.equal(false);
  });

  it('get: items in order, then Empty at once without blocking and after the timeout with it (test_get)', async () => {
    const [queue, producer] = await sharedQueue<number>();
    expect(await queue.empty()).to.equal(true);
    for (const item of [2, 3, 4, 5]) await producer.put(item);
    expect(await queue.empty()).to.equal(false);
    expect(await queue.get(true, null)).to.equal(2);
    expect(await queue.get(true)).to.equal(3);
    expect(await queue.get(true, 1)).to.equal(4);
    expect(await queue.getNowait()).to.equal(5);
    expect(await queue.empty()).to.equal(true);

    for (const call of [() => queue.get(false), () => queue.get(false, null), () => queue.getNowait(), () => queue.get(false, LONG_TIMEOUT)]) {
      const attempt = await timed(call());
      expect(attempt.error).to.be.instanceOf(Empty);
      expectQuick(attempt.seconds);
    }
    for (const call of [() => queue.get(true, TIMEOUT), () => queue.get(undefined, TIMEOUT)]) {
      const attempt = await timed(call());
      expect(attempt.error).to.be.instanceOf(Empty);
      expectAbout(attempt.seconds, TIMEOUT);
    }
  });

  it('keeps FIFO order across producers on two connections (test_fork)', async () => {
    const [queue, other] = await sharedQueue<number>();
    for (let i = 0; i < 10; i++) await queue.put(i);
    for (let i = 10; i < 20; i++) await other.put(i);
    for (let i = 0; i < 20; i++) expect(await queue.get()).to.equal(i);
    expect(await rejectionOf(queue.get(false))).to.be.instanceOf(Empty);
  });

  it('reports its size to every client (test_qsize)', async () => {
    const [queue, other] = await sharedQueue<number>();
    expect(await queue.qsize()).to.equal(0);
    await queue.put(1);
    expect(await other.qsize()).to.equal(1);
    await other.put(5);
    expect(await queue.qsize()).to.equal(2);
    await other.get();
    expect(await queue.qsize()).to.equal(1);
    await queue.get();
    expect(await other.qsize()).to.equal(0);
  });

  it('join() waits until consumers on four connections have marked every item done (test_task_done)', async () => {
    const queue = await a.JoinableQueue<number | null>();
    let done = 0;
    const consumers = await Promise.all([1, 2, 3, 4].map(() => served.client()));
    const working = consumers.map(async (m) => {
      const q = await shareWith(queue, m);
      for (let item = await q.get(); item !== null; item = await q.get()) {
        await sleep(0.01);
        done += 1;
        await q.taskDone();
      }
    });
    for (let i = 0; i < 10; i++) await queue.put(i);
    await queue.join();
    expect(done).to.equal(10);
    for (let i = 0; i < consumers.length; i++) await queue.put(null);
    await Promise.all(working);
    await Promise.all(consumers.map((m) => m.close()));
  });

  it('a JoinableQueue with nothing unfinished joins at once; task_done too often rejects ValueError', async () => {
    const [queue, other] = await sharedQueue<string>(0, 'JoinableQueue');
    expectQuick((await timed(queue.join())).seconds);
    await queue.put('x');
    await other.get();
    await other.taskDone();
    const error = await rejectionOf(queue.taskDone());
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('task_done() called too many times');
  });

  it('a timed get rejects Empty after about the timeout (test_timeout)', async () => {
    const [queue] = await sharedQueue();
    const attempt = await timed(queue.get(true, 0.2));
    expect(attempt.error).to.be.instanceOf(Empty);
    expectAbout(attempt.seconds, 0.2);
  });

  it("rejects a negative timeout with Python's ValueError, and ignores it when not blocking", async () => {
    const [queue] = await sharedQueue(1);
    const error = await rejectionOf(queue.get(true, -1));
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal("'timeout' must be a non-negative number");
    expect(await rejectionOf(queue.get(false, -1))).to.be.instanceOf(Empty);
    await queue.put('x');
    expect(await rejectionOf(queue.put('y', false, -1))).to.be.instanceOf(Full);
  });

  it('hands items to getters on different connections oldest first', async () => {
    const [queue, other] = await sharedQueue<string>();
    const c = await served.client();
    const third = await shareWith(queue, c);
    const first = other.get();
    expect(await settledYet(first, b)).to.equal(false);
    const second = third.get();
    expect(await settledYet(second, c)).to.equal(false);
    await queue.put('one');
    await queue.put('two');
    expect(await first).to.equal('one');
    expect(await second).to.equal('two');
    await c.close();
  });

  it('a put waiting on a full queue completes when a getter on another connection makes room', async () => {
    const [queue, other] = await sharedQueue<string>(1);
    await queue.put('first');
    const waitingPut = other.put('second');
    expect(await settledYet(waitingPut, b)).to.equal(false);
    expect(await queue.get()).to.equal('first');
    await waitingPut;
    expect(await queue.get()).to.equal('second');
  });

  it('an aborted get is removed on the server: the next put goes to the next getter', async () => {
    const [queue, other] = await sharedQueue<string>();
    const controller = new AbortController();
    const aborted = other.get(true, null, { signal: controller.signal });
    expect(await settledYet(aborted, b)).to.equal(false);
    const c = await served.client();
    const next = (await shareWith(queue, c)).get(true, 10);
    expect(await settledYet(next, c)).to.equal(false);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    await queue.put('item');
    expect(await next).to.equal('item');
    // The same connection can wait again after its abort, and gets the next item.
    const again = other.get(true, 10);
    await queue.put('item 2');
    expect(await again).to.equal('item 2');
    expect(await queue.qsize()).to.equal(0);
    await c.close();
  });

  it('an aborted put on a full queue never adds its item; an aborted join rejects', async () => {
    const [queue, other] = await sharedQueue<string>(1, 'JoinableQueue');
    await queue.put('kept');
    const controller = new AbortController();
    const aborted = other.put('dropped', true, null, { signal: controller.signal });
    expect(await settledYet(aborted, b)).to.equal(false);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    expect(await queue.get()).to.equal('kept');
    expect(await rejectionOf(queue.get(true, TIMEOUT))).to.be.instanceOf(Empty);

    const joinController = new AbortController();
    const join = other.join({ signal: joinController.signal });
    expect(await settledYet(join, b)).to.equal(false);
    joinController.abort();
    expect(await rejectionOf(join)).to.be.instanceOf(AbortError);
  });

  it('an already-aborted signal rejects without sending anything', async () => {
    const [queue] = await sharedQueue<string>();
    expect(await rejectionOf(queue.get(true, null, { signal: AbortSignal.abort() }))).to.be.instanceOf(AbortError);
    await queue.put('x');
    expect(await queue.get(false)).to.equal('x');
  });

  it('for await consumes items as another connection produces them; break leaves the rest queued', async () => {
    const [queue, producer] = await sharedQueue<number>(2);
    const producing = (async () => {
      for (let i = 1; i <= 6; i++) await producer.put(i);
    })();
    const seen: number[] = [];
    for await (const item of queue) {
      seen.push(item);
      if (item === 4) break;
    }
    await producing;
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    // No get is left behind on the server: later items stay in the queue.
    expect(await queue.qsize()).to.equal(2);
    expect([await queue.get(), await queue.get()]).to.deep.equal([5, 6]);
  });
});
