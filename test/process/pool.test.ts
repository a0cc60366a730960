// CPython's _TestPool, for the standalone Pool (worker threads of this process) and for a Pool
// hosted by a started manager (worker threads of the server process, used through a PoolProxy).
import { expect } from 'chai';
import {
  AbortError,
  AttributeError,
  KeyError,
  Pool,
  RemoteError,
  RuntimeError,
  SyncManager,
  TimeoutError,
  TypeError as PyTypeError,
  ValueError,
  type AsyncResult,
  type PoolOptions,
  type PoolProxy,
  type ResultCallbacks,
} from '../../lib/index.js';
import { eventually, fixture, refcountOf, rejection, trackChildProcesses, startManagerAround } from './helpers.js';

const poolFunctions = fixture('poolFunctions');

/** What the tests need of a pool: a PoolProxy as is, or a standalone Pool seen through `local()`. */
type Callbacks = ResultCallbacks<any>;
interface PoolUnderTest {
  apply(fn: string, args?: unknown[]): Promise<unknown>;
  applyAsync(fn: string, args?: unknown[], callbacks?: Callbacks): Promise<ResultUnderTest>;
  map(fn: string, items: unknown[], chunksize?: number | null): Promise<unknown[]>;
  mapAsync(fn: string, items: unknown[], chunksize?: number | null, callbacks?: Callbacks): Promise<ResultUnderTest>;
  starmap(fn: string, items: unknown[][], chunksize?: number | null): Promise<unknown[]>;
  starmapAsync(fn: string, items: unknown[][], chunksize?: number | null, callbacks?: Callbacks): Promise<ResultUnderTest>;
  imap(fn: string, items: unknown[], chunksize?: number): Promise<IMapUnderTest>;
  imapUnordered(fn: string, items: unknown[], chunksize?: number): Promise<IMapUnderTest>;
  close(): Promise<void>;
  join(): Promise<void>;
  terminate(): Promise<void>;
}
interface IMapUnderTest extends AsyncIterable<unknown> {
  next(timeout?: number | null): Promise<IteratorResult<unknown, undefined>>;
}
interface ResultUnderTest {
  get(timeout?: number | null): Promise<unknown>;
  wait(timeout?: number | null): Promise<void>;
  ready(): Promise<boolean>;
  successful(): Promise<boolean>;
}

function local(pool: Pool): PoolUnderTest {
  const result = (r: AsyncResult): ResultUnderTest => ({
    get: (timeout) => r.get(timeout),
    wait: (timeout) => r.wait(timeout),
    ready: async () => r.ready(),
    successful: async () => r.successful(),
  });
  return {
    apply: (fn, args) => pool.apply(fn, args),
    applyAsync: async (fn, args, callbacks) => result(pool.applyAsync(fn, args, callbacks)),
    map: (fn, items, chunksize) => pool.map(fn, items, chunksize),
    mapAsync: async (fn, items, chunksize, callbacks) => result(pool.mapAsync(fn, items, chunksize, callbacks)),
    starmap: (fn, items, chunksize) => pool.starmap(fn, items, chunksize),
    starmapAsync: async (fn, items, chunksize, callbacks) => result(pool.starmapAsync(fn, items, chunksize, callbacks)),
    imap: async (fn, items, chunksize) => pool.imap(fn, items, chunksize),
    imapUnordered: async (fn, items, chunksize) => pool.imapUnordered(fn, items, chunksize),
    close: async () => pool.close(),
    join: () => pool.join(),
    terminate: () => pool.terminate(),
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const squares = (n: number): number[] => range(n).map((i) => i * i);
async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Each variant: its title, and how it makes pools (the hosted one given a started manager). */
type ExtraOptions = Omit<PoolOptions, 'module'>;
type MakePool = (processes: number, options?: ExtraOptions) => Promise<PoolUnderTest>;
const variants: [string, ((manager: SyncManager) => MakePool) | undefined][] = [
  ['Pool (standalone)', undefined],
  ['manager.Pool (PoolProxy)', (manager) => async (processes, options = {}) => await manager.Pool(processes, { ...options, module: poolFunctions })],
];

for (const [title, hosted] of variants) {
  describe(`${title}: CPython _TestPool`, function () {
    this.timeout(60_000);
    const children = trackChildProcesses();
    let manager: SyncManager | undefined;
    let makePool: MakePool;
    let pool: PoolUnderTest;
    before(async () => {
      if (hosted === undefined) {
        makePool = async (processes, options = {}) => local(new Pool(processes, { ...options, module: poolFunctions }));
      } else {
        manager = new SyncManager({ poolModules: [poolFunctions] });
        await manager.start();
        makePool = hosted(manager);
      }
      pool = await makePool(4);
    });
    after(async () => {
      await pool.terminate();
      await pool.join();
      await manager?.shutdown();
      await children.expectNoneLeft();
    });

    it('apply', async () => {
      expect(await pool.apply('sqr', [5])).to.equal(25);
      expect(await pool.apply('mul', [3, 4])).to.equal(12);
    });

    it('map, with and without chunksize', async () => {
      expect(await pool.map('sqr', range(10))).to.deep.equal(squares(10));
      expect(await pool.map('sqr', range(100), 20)).to.deep.equal(squares(100));
      expect(await rejection(() => pool.map('sqr', range(3), 0))).to.be.instanceOf(ValueError);
    });

    it('starmap and starmapAsync', async () => {
      const pairs = (n: number): number[][] => range(n).map((i) => [i, n - 1 - i]);
      const products = (n: number): number[] => pairs(n).map(([a, b]) => a * b);
      expect(await pool.starmap('mul', pairs(10))).to.deep.equal(products(10));
      expect(await pool.starmap('mul', pairs(100), 20)).to.deep.equal(products(100));
      expect(await (await pool.starmapAsync('mul', pairs(100))).get()).to.deep.equal(products(100));
    });

    it('mapAsync, also of an empty list with a chunksize', async () => {
      expect(await (await pool.mapAsync('sqr', range(10))).get()).to.deep.equal(squares(10));
      expect(await (await pool.mapAsync('sqr', [], 1)).get(5)).to.deep.equal([]);
    });

    it('applyAsync: get() waits for the result; ready() and successful() follow it', async () => {
      const started = Date.now();
      const result = await pool.applyAsync('sqr', [7, 0.3]);
      expect(await result.get()).to.equal(49);
      expect(Date.now() - started).to.be.at.least(250);
      expect(await result.ready()).to.equal(true);
      expect(await result.successful()).to.equal(true);
      const failed = await pool.applyAsync('raiseKeyError', ['k']);
      await failed.wait();
      expect(await failed.successful()).to.equal(false);
      expect(await rejection(() => failed.get())).to.be.instanceOf(KeyError);
    });

    it('get(timeout) rejects TimeoutError; wait(timeout) just returns; successful() is a ValueError before ready', async () => {
      const p = await makePool(3);
      try {
        const result = await p.applyAsync('sqr', [6, 30]);
        const started = Date.now();
        expect(await rejection(() => result.get(0.2))).to.be.instanceOf(TimeoutError);
        expect(Date.now() - started).to.be.within(150, 10_000);
        await result.wait(0.05);
        expect(await result.ready()).to.equal(false);
        expect(await rejection(() => result.successful())).to.be.instanceOf(ValueError);
      } finally {
        await p.terminate();
        await p.join();
      }
    });

    it('imap: results in order, also with a chunksize', async () => {
      expect(await collect(await pool.imap('sqr', range(10)))).to.deep.equal(squares(10));
      expect(await collect(await pool.imap('sqr', range(1000), 100))).to.deep.equal(squares(1000));
    });

    it('imapUnordered: every result, in completion order', async () => {
      const sorted = (items: unknown[]): number[] => (items as number[]).sort((a, b) => a - b);
      expect(sorted(await collect(await pool.imapUnordered('sqr', range(10))))).to.deep.equal(squares(10));
      expect(sorted(await collect(await pool.imapUnordered('sqr', range(1000), 100)))).to.deep.equal(squares(1000));
      // A slow first item does not hold back the others.
      expect(await collect(await pool.imapUnordered('slowSqr', [[1, 0.5], [2, 0]]))).to.deep.equal([4, 1]);
      expect(await collect(await pool.imap('slowSqr', [[1, 0.5], [2, 0]]))).to.deep.equal([1, 4]);
    });

    it('the workers run in parallel', async () => {
      const threads = await pool.map('spinThenThread', [0.3, 0.3, 0.3, 0.3], 1);
      expect(new Set(threads).size).to.be.at.least(2);
    });

    it('a pool size below 1, or not an integer, is a ValueError', async () => {
      for (const size of [-1, 0, 1.5]) expect(await rejection(() => makePool(size))).to.be.instanceOf(ValueError);
    });

    it('terminate() with 10,000 queued slow tasks returns promptly; the pending result rejects RuntimeError', async () => {
      const p = await makePool(3);
      const result = await p.mapAsync('spin', new Array(10_000).fill(60), 1);
      const started = Date.now();
      await p.terminate();
      await p.join();
      expect(Date.now() - started).to.be.below(10_000);
      expect(await rejection(() => result.get(10))).to.be.instanceOf(RuntimeError);
    });

    it('empty iterables give empty results', async () => {
      const p = await makePool(1);
      expect(await p.map('sqr', [])).to.deep.equal([]);
      expect(await collect(await p.imap('sqr', []))).to.deep.equal([]);
      expect(await collect(await p.imapUnordered('sqr', []))).to.deep.equal([]);
      expect(await (await p.mapAsync('sqr', [])).get()).to.deep.equal([]);
      await p.close();
      await p.join();
    });

    it('worker errors keep their class and their stack', async () => {
      const keyError = await rejection(() => pool.apply('raiseKeyError', ['missing']));
      expect(keyError).to.be.instanceOf(KeyError).with.property('message', 'missing');
      expect(keyError.stack).to.include('raiseKeyError');
      expect(await rejection(() => pool.apply('raiseNativeTypeError'))).to.be.instanceOf(PyTypeError);
      const unknown = await rejection(() => pool.apply('raiseSayWhen'));
      expect(unknown).to.be.instanceOf(RemoteError).with.property('remoteName', 'SayWhenError');
      expect(await rejection(() => pool.map('raiseKeyError', ['a', 'b']))).to.be.instanceOf(KeyError);
      expect(await rejection(() => pool.apply('noSuchFunction'))).to.be.instanceOf(AttributeError);
    });

    it('a result that cannot be sent back is a TypeError, and the worker goes on', async () => {
      expect(await rejection(() => pool.apply('returnsFunction'))).to.be.instanceOf(PyTypeError).with.property('message').that.match(/cannot be sent back/);
      expect(await pool.apply('sqr', [3])).to.equal(9);
    });

    it('an error with a 1 MiB message comes back whole', async () => {
      const error = await rejection(() => pool.map('raiseLargeValueError', [0, 0.1]));
      expect(error).to.be.instanceOf(ValueError);
      expect(error.message).to.have.length(1024 * 1024);
    });

    it('close() refuses new tasks and join() waits for the submitted ones; join() needs close() first', async () => {
      const p = await makePool(2);
      expect(await rejection(() => p.join())).to.be.instanceOf(ValueError);
      const result = await p.applyAsync('sqr', [3, 0.3]);
      await p.close();
      expect(await rejection(() => p.map('sqr', [1]))).to.be.instanceOf(ValueError);
      await p.join();
      expect(await result.ready()).to.equal(true);
      expect(await result.get()).to.equal(9);
    });

    it('every submission after close() or terminate() is a ValueError (CPython: Pool not running)', async () => {
      const p = await makePool(1);
      await p.close();
      await p.close(); // closing twice is harmless
      const submissions = (q: PoolUnderTest): (() => Promise<unknown>)[] => [
        () => q.apply('sqr', [1]),
        () => q.applyAsync('sqr', [1]),
        () => q.map('sqr', [1]),
        () => q.mapAsync('sqr', [1]),
        () => q.starmap('mul', [[1, 2]]),
        () => q.starmapAsync('mul', [[1, 2]]),
        () => q.imap('sqr', [1]),
        () => q.imapUnordered('sqr', [1]),
      ];
      for (const submit of submissions(p)) expect(await rejection(submit)).to.be.instanceOf(ValueError).with.property('message').that.match(/not running/);
      await p.terminate();
      await p.join();
      const q = await makePool(1);
      await q.terminate();
      for (const submit of submissions(q)) expect(await rejection(submit)).to.be.instanceOf(ValueError);
      await q.join();
    });

    it('applyAsync / mapAsync / starmapAsync call callback or errorCallback in this process before get() returns', async () => {
      const seen: unknown[] = [];
      const callbacks = { callback: (value: unknown) => void seen.push(['ok', value]), errorCallback: (error: unknown) => void seen.push(['error', error]) };
      const applied = await pool.applyAsync('sqr', [6, 0.05], callbacks);
      expect(await applied.get()).to.equal(36);
      expect(seen).to.deep.equal([['ok', 36]]);
      const mapped = await pool.mapAsync('sqr', range(5), 2, callbacks);
      expect(await mapped.get()).to.deep.equal(squares(5));
      expect(seen[1]).to.deep.equal(['ok', squares(5)]);
      const starred = await pool.starmapAsync('mul', [[2, 3], [4, 5]], null, callbacks);
      expect(await starred.get()).to.deep.equal([6, 20]);
      expect(seen[2]).to.deep.equal(['ok', [6, 20]]);
      const failed = await pool.applyAsync('raiseKeyError', ['cb'], callbacks);
      expect(await rejection(() => failed.get())).to.be.instanceOf(KeyError);
      expect(seen).to.have.length(4);
      expect(seen[3]).to.have.property('0', 'error');
      expect((seen[3] as unknown[])[1]).to.be.instanceOf(KeyError).with.property('message', 'cb');
      const mapFailed = await pool.mapAsync('raiseKeyError', ['a'], null, { errorCallback: (error) => void seen.push(error) });
      expect(await rejection(() => mapFailed.get())).to.be.instanceOf(KeyError);
      expect(seen[4]).to.be.instanceOf(KeyError);
      // A callback that throws makes the result fail with its error.
      const thrown = await pool.applyAsync('sqr', [2], { callback: () => { throw new ValueError('from the callback'); } });
      expect(await rejection(() => thrown.get())).to.be.instanceOf(ValueError).with.property('message', 'from the callback');
      expect(await rejection(() => pool.applyAsync('sqr', [2], { callback: 'nope' as never }))).to.be.instanceOf(PyTypeError);
    });

    it('maxtasksperchild: each worker thread runs at most N tasks, then a fresh one (initializer rerun) takes over', async () => {
      const p = await makePool(2, { maxtasksperchild: 2, initializer: 'countRuns' });
      try {
        const runs = (await p.map('threadAndRuns', range(12), 1)) as [number, number][];
        const perThread = new Map<number, number>();
        for (const [thread, initRuns] of runs) {
          perThread.set(thread, (perThread.get(thread) ?? 0) + 1);
          expect(initRuns).to.equal(1); // each worker ran the initializer once, itself
        }
        expect([...perThread.values()].every((n) => n <= 2)).to.equal(true);
        expect(perThread.size).to.be.at.least(6);
        expect(await p.apply('sqr', [4])).to.equal(16);
      } finally {
        await p.terminate();
        await p.join();
      }
      for (const bad of [0, -1, 1.5]) expect(await rejection(() => makePool(1, { maxtasksperchild: bad }))).to.be.instanceOf(ValueError);
    });

    it('maxtasksperchild: every result arrives when the pool is closed early (CPython test_pool_worker_lifetime_early_close)', async () => {
      const p = await makePool(3, { maxtasksperchild: 1 });
      const results = await Promise.all(range(6).map((i) => p.applyAsync('sqr', [i, 0.1])));
      await p.close();
      await p.join();
      expect(await Promise.all(results.map((r) => r.get(30)))).to.deep.equal(squares(6));
    });

    it('chunksize is honoured by map, imap and imapUnordered: one chunk is one task (seen with maxtasksperchild: 1)', async () => {
      const p = await makePool(2, { maxtasksperchild: 1 });
      try {
        const threadsOf = (runs: unknown[]): number[] => (runs as [number, number][]).map(([thread]) => thread);
        const byChunk = (threads: number[], size: number): number[][] => range(Math.ceil(threads.length / size)).map((i) => threads.slice(i * size, i * size + size));
        for (const threads of [
          threadsOf(await p.map('threadAndRuns', range(12), 4)),
          threadsOf(await collect(await p.imap('threadAndRuns', range(12), 4))),
        ]) {
          const chunks = byChunk(threads, 4);
          for (const chunk of chunks) expect(new Set(chunk).size).to.equal(1);
          expect(new Set(chunks.map((chunk) => chunk[0])).size).to.equal(3);
        }
        const unordered = threadsOf(await collect(await p.imapUnordered('threadAndRuns', range(9), 3)));
        const counts = new Map<number, number>();
        for (const thread of unordered) counts.set(thread, (counts.get(thread) ?? 0) + 1);
        expect([...counts.values()]).to.deep.equal([3, 3, 3]);
      } finally {
        await p.terminate();
        await p.join();
      }
    });

    it('imap(...).next(timeout) rejects TimeoutError without losing the item; for await reads the rest', async () => {
      const it = await pool.imap('slowSqr', [[3, 1.5], [4, 0]]);
      expect(await rejection(() => it.next(0.1))).to.be.instanceOf(TimeoutError);
      expect(await it.next(30)).to.deep.equal({ value: 9, done: false });
      expect(await collect(it)).to.deep.equal([16]);
      const unordered = await pool.imapUnordered('slowSqr', [[5, 1.5]]);
      expect(await rejection(() => unordered.next(0.05))).to.be.instanceOf(TimeoutError);
      expect(await unordered.next()).to.deep.equal({ value: 25, done: false });
      expect((await unordered.next()).done).to.equal(true);
      // As CPython (chunksize 1): a failed item raises its error, and the next items still come.
      const failing = await pool.imap('sqrUnlessNegative', [1, -1, 2]);
      expect(await failing.next()).to.deep.equal({ value: 1, done: false });
      expect(await rejection(() => failing.next())).to.be.instanceOf(ValueError).with.property('message', 'negative: -1');
      expect(await failing.next()).to.deep.equal({ value: 4, done: false });
      expect((await failing.next()).done).to.equal(true);
      // Leaving a for await early stops reading; the pool goes on.
      const early: unknown[] = [];
      for await (const value of await pool.imap('sqr', range(10))) {
        early.push(value);
        if (value === 4) break;
      }
      expect(early).to.deep.equal([0, 1, 4]);
      expect(await pool.apply('sqr', [9])).to.equal(81);
    });

    it('a worker that exits inside a task rejects that task with a clear RuntimeError; the pool serves the rest', async () => {
      const p = await makePool(2);
      try {
        const others = await p.mapAsync('sqr', range(20).map((i) => i), 1);
        const crash = await rejection(() => p.apply('exitWorker', [3]));
        expect(crash).to.be.instanceOf(RuntimeError).with.property('message').that.match(/exitWorker\(\) exited with code 3/);
        expect(await others.get(30)).to.deep.equal(squares(20));
        expect(await p.map('sqr', range(10), 1)).to.deep.equal(squares(10));
        expect(await rejection(() => p.map('exitWorker', [5, 6], 1))).to.be.instanceOf(RuntimeError);
        expect(await p.apply('mul', [6, 7])).to.equal(42);
      } finally {
        await p.terminate();
        await p.join();
      }
    });

    it('a task that never returns is stopped by terminate(); its result rejects RuntimeError', async () => {
      const p = await makePool(1);
      const hung = await p.applyAsync('hang');
      await p.terminate();
      await p.join();
      expect(await rejection(() => hung.get(10))).to.be.instanceOf(RuntimeError);
    });
  });
}

describe('Pool (standalone): options', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  it('the initializer runs once in each worker, with proxies among its args (CPython TestInitializers)', async () => {
    const ns = await manager.Namespace({ test: 0 });
    const one = new Pool(1, { module: poolFunctions, initializer: 'countInit', initargs: [ns] });
    one.close();
    await one.join();
    expect(await ns.get('test')).to.equal(1);
    const two = new Pool(2, { module: poolFunctions, initializer: 'countInit', initargs: [ns, await manager.Lock()] });
    two.close();
    await two.join();
    expect(await ns.get('test')).to.equal(3);
    const fn = (() => undefined) as unknown as string;
    expect(() => new Pool(1, { module: poolFunctions, initializer: fn })).to.throw(PyTypeError);
  });

  it('a failing initializer fails every task with its error', async () => {
    await using p = new Pool(1, { module: poolFunctions, initializer: 'raiseKeyError', initargs: ['from the initializer'] });
    const error = await rejection(() => p.apply('sqr', [2]));
    expect(error).to.be.instanceOf(KeyError).with.property('message', 'from the initializer');
  });

  it('proxies passed to pool functions work there; the worker drops its references afterwards', async () => {
    const list = await manager.list<unknown>();
    await using p = new Pool(2, { module: poolFunctions });
    expect(await p.apply('appendVia', [list, 5])).to.equal('appended');
    expect(await p.starmap('appendVia', [[list, 6], [list, 7]])).to.deep.equal(['appended', 'appended']);
    expect(((await list._getValue()) as number[]).sort()).to.deep.equal([5, 6, 7]);
    await eventually(async () => refcountOf(await manager._debugInfo(), list._token.id) === 1);
  });

  it("proxies of a manager with another authkey work in tasks and the initializer with no authkey option", async () => {
    await using other = new SyncManager({ authkey: 'pool-other-key' });
    await other.start();
    const ns = await other.Namespace({ test: 0 });
    const list = await other.list<unknown>();
    await using p = new Pool(1, { module: poolFunctions, initializer: 'countInit', initargs: [ns] });
    expect(await p.apply('appendVia', [list, 'keyed'])).to.equal('appended');
    expect(await list._getValue()).to.deep.equal(['keyed']);
    expect(await ns.get('test')).to.equal(1);
  });

  it('takes the module as a relative path; `await using` terminates the pool', async () => {
    let pool: Pool;
    {
      await using p = new Pool(1, { module: 'test/fixtures/process/poolFunctions.ts' });
      pool = p;
      expect(await p.apply('fib', [20])).to.equal(6765);
    }
    expect(() => pool.applyAsync('fib', [1])).to.throw(ValueError, /not running/);
  });

  it('arguments that cannot be sent to a worker are a TypeError', async () => {
    await using p = new Pool(1, { module: poolFunctions });
    expect(() => p.applyAsync('identity', [() => 1])).to.throw(PyTypeError, /cannot be sent/);
  });
});

describe('manager.Pool: hosting', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  it('the initializer runs in the server process workers', async () => {
    const p = await manager.Pool(1, { module: poolFunctions, initializer: 'rememberInit', initargs: ['hello'] });
    expect(await p.apply('initValue')).to.equal('hello');
    await p.terminate();
  });

  it('aborting a get() through its signal rejects AbortError; the result can still be had later', async () => {
    const p: PoolProxy = await manager.Pool(1, { module: poolFunctions });
    const result = await p.applyAsync('sqr', [4, 0.5]);
    const controller = new AbortController();
    const pending = rejection(() => result.get(null, { signal: controller.signal }));
    controller.abort();
    expect(await pending).to.be.instanceOf(AbortError);
    expect(await result.get()).to.equal(16);
    await p.terminate();
  });

  it('releasing the last PoolProxy terminates the pool: pending results reject RuntimeError', async () => {
    const p = await manager.Pool(1, { module: poolFunctions });
    const result = await p.applyAsync('spin', [60]);
    await p._release();
    expect(await rejection(() => result.get(10))).to.be.instanceOf(RuntimeError);
  });
});
