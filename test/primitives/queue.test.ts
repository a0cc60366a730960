import { expect } from 'chai';
import { AbortError, Empty, Full, ValueError } from '../../lib/errors.js';
import { JoinableQueue, Queue } from '../../lib/primitives/index.js';
import { errorOf, expectAbout, expectQuick, rejectionOf, sleep, stateOf, timed } from './helpers.js';

const TIMEOUT1 = 0.1;
const TIMEOUT2 = 0.05;
const TIMEOUT3 = 0.08;

describe('primitives/Queue', () => {
  // Ports CPython's _TestQueue.test_put.
  it('puts until full, then rejects Full without waiting or after the timeout', async () => {
    const queue = new Queue<number>(6);
    expect(queue.empty()).to.equal(true);
    expect(queue.full()).to.equal(false);

    await queue.put(1);
    await queue.put(2, true);
    await queue.put(3, true, null);
    await queue.put(4, false);
    await queue.put(5, false, null);
    queue.putNowait(6);

    expect(queue.empty()).to.equal(false);
    expect(queue.full()).to.equal(true);
    expect(queue.qsize()).to.equal(6);

    let attempt = await timed(queue.put(7, false));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.put(7, false, null));
    expect(attempt.error).to.be.instanceOf(Full);
    expect(errorOf(() => queue.putNowait(7))).to.be.instanceOf(Full);
    attempt = await timed(queue.put(7, true, TIMEOUT1));
    expect(attempt.error).to.be.instanceOf(Full);
    expectAbout(attempt.seconds, TIMEOUT1);
    attempt = await timed(queue.put(7, false, TIMEOUT2));
    expect(attempt.error).to.be.instanceOf(Full);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.put(7, true, TIMEOUT3));
    expect(attempt.error).to.be.instanceOf(Full);
    expectAbout(attempt.seconds, TIMEOUT3);

    for (let i = 1; i <= 6; i++) expect(await queue.get()).to.equal(i);
    expect(queue.empty()).to.equal(true);
    expect(queue.full()).to.equal(false);
  });

  // Ports CPython's _TestQueue.test_get.
  it('gets in order, then rejects Empty without waiting or after the timeout', async () => {
    const queue = new Queue<number>();
    setTimeout(() => {
      for (const item of [2, 3, 4, 5]) queue.putNowait(item);
    }, 10);
    expect(await queue.get(true, null)).to.equal(2);
    expect(await queue.get(true)).to.equal(3);
    expect(await queue.get(true, 1)).to.equal(4);
    expect(queue.getNowait()).to.equal(5);
    expect(queue.empty()).to.equal(true);

    let attempt = await timed(queue.get(false));
    expect(attempt.error).to.be.instanceOf(Empty);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.get(false, null));
    expect(attempt.error).to.be.instanceOf(Empty);
    expect(errorOf(() => queue.getNowait())).to.be.instanceOf(Empty);
    attempt = await timed(queue.get(true, TIMEOUT1));
    expect(attempt.error).to.be.instanceOf(Empty);
    expectAbout(attempt.seconds, TIMEOUT1);
    attempt = await timed(queue.get(false, TIMEOUT2));
    expect(attempt.error).to.be.instanceOf(Empty);
    expectQuick(attempt.seconds);
    attempt = await timed(queue.get(true, TIMEOUT3));
    expect(attempt.error).to.be.instanceOf(Empty);
    expectAbout(attempt.seconds, TIMEOUT3);
  });

  // Ports CPython's _TestQueue.test_qsize.
  it('reports its size', async () => {
    const queue = new Queue<number>();
    expect(queue.qsize()).to.equal(0);
    await queue.put(1);
    expect(queue.qsize()).to.equal(1);
    await queue.put(5);
    expect(queue.qsize()).to.equal(2);
    await queue.get();
    expect(queue.qsize()).to.equal(1);
    await queue.get();
    expect(queue.qsize()).to.equal(0);
  });

  it('polls with timeout 0 and ignores a negative timeout when not blocking', async () => {
    const queue = new Queue<number>(1);
    expect(await rejectionOf(queue.get(true, 0))).to.be.instanceOf(Empty);
    expect(await rejectionOf(queue.get(false, -1))).to.be.instanceOf(Empty);
    await queue.put(1, true, 0);
    expect(await rejectionOf(queue.put(2, true, 0))).to.be.instanceOf(Full);
    expect(await rejectionOf(queue.put(2, false, -1))).to.be.instanceOf(Full);
    expect(await queue.get(true, 0)).to.equal(1);
  });

  it("rejects a negative timeout with Python's ValueError", async () => {
    const queue = new Queue<number>(1);
    for (const attempt of [queue.get(true, -1), queue.put(1, true, -0.5), queue.get(true, Number.NaN)]) {
      const error = await rejectionOf(attempt);
      expect(error).to.be.instanceOf(ValueError);
      expect(error.message).to.equal("'timeout' must be a non-negative number");
    }
    expect(queue.qsize()).to.equal(0);
  });

  it('hands items to waiting getters oldest first, so a newcomer never overtakes them', async () => {
    const queue = new Queue<string>();
    const getters = [queue.get(), queue.get(), queue.get()];
    await queue.put('a');
    expect(errorOf(() => queue.getNowait())).to.be.instanceOf(Empty);
    queue.putNowait('b');
    await queue.put('c');
    expect(await Promise.all(getters)).to.deep.equal(['a', 'b', 'c']);
    expect(queue.qsize()).to.equal(0);
  });

  it('admits waiting putters oldest first when room appears', async () => {
    const queue = new Queue<string>(1);
    await queue.put('x');
    const firstPut = queue.put('y');
    const secondPut = queue.put('z');
    expect(errorOf(() => queue.putNowait('newcomer'))).to.be.instanceOf(Full);
    expect(await queue.get()).to.equal('x');
    expect(await stateOf(firstPut)).to.equal('fulfilled');
    expect(await stateOf(secondPut)).to.equal('pending');
    expect(queue.qsize()).to.equal(1);
    expect(await queue.get()).to.equal('y');
    expect(await stateOf(secondPut)).to.equal('fulfilled');
    expect(await queue.get()).to.equal('z');
  });

  it('removes an aborted getter at once, so the next put stays for the next getter', async () => {
    const queue = new Queue<number>();
    const controller = new AbortController();
    const abortedGet = queue.get(true, null, { signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(abortedGet)).to.be.instanceOf(AbortError);
    await queue.put(1);
    expect(queue.qsize()).to.equal(1);
    expect(await queue.get()).to.equal(1);

    const second = new AbortController();
    const abortedAgain = queue.get(true, null, { signal: second.signal });
    const nextGetter = queue.get();
    second.abort();
    await queue.put(2);
    expect(await rejectionOf(abortedAgain)).to.be.instanceOf(AbortError);
    expect(await nextGetter).to.equal(2);
  });

  it('drops an aborted putter without adding its item', async () => {
    const queue = new Queue<number>(1);
    await queue.put(1);
    const controller = new AbortController();
    const abortedPut = queue.put(2, true, null, { signal: controller.signal });
    controller.abort(new Error('client left'));
    const error = await rejectionOf(abortedPut);
    expect(error).to.be.instanceOf(AbortError);
    expect(error.cause).to.have.property('message', 'client left');
    expect(await queue.get()).to.equal(1);
    expect(queue.qsize()).to.equal(0);
  });

  it('rejects an already-aborted call without touching the queue', async () => {
    const queue = new Queue<number>();
    await queue.put(1);
    const signal = AbortSignal.abort();
    expect(await rejectionOf(queue.get(true, null, { signal }))).to.be.instanceOf(AbortError);
    expect(await rejectionOf(queue.put(2, true, null, { signal }))).to.be.instanceOf(AbortError);
    expect(queue.qsize()).to.equal(1);
  });

  // Ports CPython's _TestQueue.test_task_done, with async workers.
  it('join() waits until every item put is marked done', async () => {
    const queue = new JoinableQueue<number | null>();
    const processed: number[] = [];
    const worker = async (): Promise<void> => {
      for (let item = await queue.get(); item !== null; item = await queue.get()) {
        await sleep(5);
        processed.push(item);
        queue.taskDone();
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    for (let i = 0; i < 10; i++) await queue.put(i);
    const joined = queue.join();
    expect(await stateOf(joined)).to.equal('pending');
    await joined;
    expect(processed.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < workers.length; i++) await queue.put(null);
    await Promise.all(workers);
  });

  it('join() resolves at once when nothing is unfinished, and can be aborted', async () => {
    const queue = new Queue<number>();
    await queue.join();
    await queue.put(1);
    const controller = new AbortController();
    const joined = queue.join({ signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(joined)).to.be.instanceOf(AbortError);
    await queue.get();
    queue.taskDone();
    await queue.join();
  });

  it("taskDone() called too often raises Python's ValueError", () => {
    const queue = new Queue<number>();
    const error = errorOf(() => queue.taskDone());
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('task_done() called too many times');
  });

  it('unget() puts an item back at the head, past maxsize, without a new unfinished task', async () => {
    const queue = new JoinableQueue<number>(2);
    await queue.put(1);
    await queue.put(2);
    const item = await queue.get();
    expect(item).to.equal(1);
    queue.unget(item);
    queue.unget(0);
    expect(queue.qsize()).to.equal(3);
    expect(queue.full()).to.equal(true);
    expect([queue.getNowait(), queue.getNowait(), queue.getNowait()]).to.deep.equal([0, 1, 2]);
    queue.taskDone();
    queue.taskDone();
    // Only the two put() calls counted: a third taskDone() is one too many.
    expect(errorOf(() => queue.taskDone())).to.be.instanceOf(ValueError);
    await queue.join();
  });

  it('unget() hands the item to a waiting getter', async () => {
    const queue = new Queue<string>();
    const getter = queue.get();
    queue.unget('back');
    expect(await getter).to.equal('back');
    expect(queue.qsize()).to.equal(0);
  });

  it('is async-iterable, one get() per iteration', async () => {
    const queue = new Queue<number>();
    setTimeout(() => {
      for (const item of [1, 2, 3, 4]) queue.putNowait(item);
    }, 10);
    const seen: number[] = [];
    for await (const item of queue) {
      seen.push(item);
      if (seen.length === 3) break;
    }
    expect(seen).to.deep.equal([1, 2, 3]);
    expect(queue.getNowait()).to.equal(4);
  });

  it('keeps a JoinableQueue a Queue with maxsize <= 0 unbounded', async () => {
    const queue = new JoinableQueue<number>(-3);
    expect(queue).to.be.instanceOf(Queue);
    for (let i = 0; i < 100; i++) queue.putNowait(i);
    expect(queue.full()).to.equal(false);
    expect(queue.maxsize).to.equal(-3);
  });

  it('stays FIFO across many items', async () => {
    const queue = new Queue<number>();
    for (let i = 0; i < 5000; i++) queue.putNowait(i);
    for (let i = 0; i < 2500; i++) expect(queue.getNowait()).to.equal(i);
    queue.unget(-1);
    for (let i = 5000; i < 6000; i++) queue.putNowait(i);
    expect(queue.getNowait()).to.equal(-1);
    for (let i = 2500; i < 6000; i++) expect(queue.getNowait()).to.equal(i);
    expect(queue.empty()).to.equal(true);
  });
});
