// Python's queue.Queue as a promise-based FIFO. put() hands an item straight to the oldest waiting
// getter and get() admits the oldest waiting putter, so nobody overtakes a queued waiter and an
// item never sits in the queue while a getter waits.
import { Empty, Full, ValueError } from '../errors.js';
import { Deque } from './deque.js';
import type { WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class Queue<T> {
  /** Capacity; 0 or less means unbounded (Python's maxsize). Default 0. */
  readonly maxsize: number;
  readonly #items = new Deque<T>();
  /** Each getter holds its `accepts` (WaitOptions), if any. */
  readonly #getters = new WaiterList<((item: unknown) => boolean) | undefined, T>();
  /** Putters wait only while the queue is full; each holds the item it wants to put. */
  readonly #putters = new WaiterList<T, void>();
  readonly #joiners = new WaiterList<undefined, void>();
  #unfinishedTasks = 0;

  constructor(maxsize = 0) {
    this.maxsize = maxsize;
  }

  /**
   * Adds an item. On a full queue, `block` waits (FIFO among putters) up to `timeout` seconds
   * (null/undefined = forever, 0 = poll) and then rejects Full; `block = false` rejects Full at once
   * and ignores the timeout. Negative timeout with block → ValueError.
   */
  async put(item: T, block = true, timeout?: number | null, options?: WaitOptions): Promise<void> {
    const seconds = block ? checkTimeout(timeout) : 0;
    throwIfAborted(options?.signal);
    if (!this.full()) return this.#add(item);
    if (seconds === 0) throw new Full();
    await this.#putters.add({
      data: item,
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => {
        throw new Full();
      },
    });
  }

  /**
   * Removes and returns the head item. On an empty queue, `block` waits (FIFO among getters) up to
   * `timeout` seconds (null/undefined = forever, 0 = poll) and then rejects Empty; `block = false`
   * rejects Empty at once and ignores the timeout. Negative timeout with block → ValueError.
   */
  async get(block = true, timeout?: number | null, options?: WaitOptions): Promise<T> {
    const seconds = block ? checkTimeout(timeout) : 0;
    throwIfAborted(options?.signal);
    if (this.#items.length > 0) return this.#take();
    if (seconds === 0) throw new Empty();
    return this.#getters.add({
      data: options?.accepts,
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => {
        throw new Empty();
      },
    });
  }

  putNowait(item: T): void {
    if (this.full()) throw new Full();
    this.#add(item);
  }

  getNowait(): T {
    if (this.#items.length === 0) throw new Empty();
    return this.#take();
  }

  /**
   * Puts an item back at the head, regardless of maxsize and without counting a new unfinished task
   * (it was counted when first put). The server calls it when an item handed to a getter could not
   * be delivered. A waiting getter receives it at once.
   */
  unget(item: T): void {
    const getter = this.#takeGetterFor(item);
    if (getter) getter.resolve(item);
    else this.#items.unshift(item);
  }

  /**
   * Hands queued items to the waiting getters that now accept them (see WaitOptions.accepts), oldest
   * first. Without `accepts`, an item never waits while a getter does, and this does nothing.
   */
  redeliver(): void {
    while (this.#items.length > 0 && this.#getters.size > 0) {
      const getter = this.#takeGetterFor(this.#items.peekFront());
      if (getter === undefined) return;
      getter.resolve(this.#take());
    }
  }

  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.#items.length >= this.maxsize;
  }

  /** Introspection (the server's `describe`): getters waiting for an item. */
  get waitingGetters(): number {
    return this.#getters.size;
  }

  /** Introspection: putters waiting for room. */
  get waitingPutters(): number {
    return this.#putters.size;
  }

  /** Introspection: items put and not yet marked done (what join() waits for). */
  get unfinishedTasks(): number {
    return this.#unfinishedTasks;
  }

  /** Marks one fetched item as processed; more calls than items put → ValueError. */
  taskDone(): void {
    if (this.#unfinishedTasks <= 0) throw new ValueError('task_done() called too many times');
    this.#unfinishedTasks -= 1;
    if (this.#unfinishedTasks === 0) for (const joiner of this.#joiners.takeAll()) joiner.resolve();
  }

  /** Resolves once every item ever put has been marked done by taskDone(). */
  async join(options?: WaitOptions): Promise<void> {
    throwIfAborted(options?.signal);
    if (this.#unfinishedTasks === 0) return;
    await this.#joiners.add({ data: undefined, signal: options?.signal });
  }

  /** Yields items forever, one get() per iteration. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, never, undefined> {
    for (;;) yield await this.get();
  }

  #takeGetterFor(item: T) {
    return this.#getters.takeOldestWhere((accepts) => accepts === undefined || accepts(item));
  }

  #add(item: T): void {
    this.#unfinishedTasks += 1;
    const getter = this.#takeGetterFor(item);
    if (getter) getter.resolve(item);
    else this.#items.push(item);
  }

  #take(): T {
    const item = this.#items.shift();
    while (this.#putters.size > 0 && !this.full()) {
      const putter = this.#putters.takeOldest()!;
      this.#unfinishedTasks += 1;
      this.#items.push(putter.data);
      putter.resolve();
    }
    return item;
  }
}

/** Python keeps task_done()/join() on both classes; JoinableQueue is the name SyncManager registers. */
export class JoinableQueue<T> extends Queue<T> {}
