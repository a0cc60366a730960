// PoolProxy: a worker pool hosted by a manager (`manager.Pool(n, { module })`). Functions are named
// exports of the pool's module, never shipped. The *Async forms resolve to an AsyncResultProxy, the
// imap forms to a live IMapIteratorProxy (`for await (const x of await pool.imap('f', items))`).
// Callbacks are functions, so they stay here: they run in the caller's process.
import createDebug from 'debug';
import { StopIteration } from '../errors.js';
import { POOL_EXPOSED, POOL_METHOD_TO_TYPEID, ASYNC_RESULT_EXPOSED, IMAP_ITERATOR_EXPOSED } from '../process/poolWire.js';
import { checkCallbacks, type ResultCallbacks } from '../process/asyncResult.js';
import { BaseProxy, type WaitOptions } from './base.js';
import { progressCounter, type ProgressOptions } from '../process/progress.js';

const log = createDebug('mpmanagers:pool');

export class PoolProxy extends BaseProxy {
  static override readonly _exposed_ = POOL_EXPOSED;
  static override readonly _methodToTypeid_ = POOL_METHOD_TO_TYPEID;

  /** Runs `fn(...args)` in a worker; resolves to its result (rejects with its error, class kept). */
  apply<R = unknown>(fn: string, args: readonly unknown[] = []): Promise<R> {
    return this._callMethod('apply', [fn, [...args]]);
  }
  /** `callbacks` run in this process once the result arrives, before `get()` resolves here. */
  applyAsync<R = unknown>(fn: string, args: readonly unknown[] = [], callbacks: ResultCallbacks<R> = {}): Promise<AsyncResultProxy<R>> {
    checkCallbacks(callbacks);
    return watched(this._callMethod('apply_async', [fn, [...args]]), callbacks);
  }
  /**
   * `fn(item)` for each item, in parallel, in chunks of `chunksize` (default: Python's heuristic).
   * With `onProgress`, the results come through an imap (chunks of `chunksize`, default 1) so that
   * it runs here, in the caller's process, as each result arrives.
   */
  async map<R = unknown>(fn: string, items: Iterable<unknown>, chunksize: number | null = null, options: ProgressOptions = {}): Promise<R[]> {
    const all = [...items];
    if (options.onProgress === undefined) return this._callMethod('map', [fn, all, chunksize]);
    const itemDone = progressCounter(options, all.length);
    const results: R[] = [];
    await using iterator = await this.imap<R>(fn, all, chunksize ?? 1);
    for await (const value of iterator) {
      results.push(value);
      itemDone(1);
    }
    return results;
  }
  mapAsync<R = unknown>(
    fn: string,
    items: Iterable<unknown>,
    chunksize: number | null = null,
    callbacks: ResultCallbacks<R[]> = {},
  ): Promise<AsyncResultProxy<R[]>> {
    checkCallbacks(callbacks);
    return watched(this._callMethod('map_async', [fn, [...items], chunksize]), callbacks);
  }
  /** `fn(...args)` for each args array. */
  starmap<R = unknown>(fn: string, items: Iterable<readonly unknown[]>, chunksize: number | null = null): Promise<R[]> {
    return this._callMethod('starmap', [fn, [...items], chunksize]);
  }
  starmapAsync<R = unknown>(
    fn: string,
    items: Iterable<readonly unknown[]>,
    chunksize: number | null = null,
    callbacks: ResultCallbacks<R[]> = {},
  ): Promise<AsyncResultProxy<R[]>> {
    checkCallbacks(callbacks);
    return watched(this._callMethod('starmap_async', [fn, [...items], chunksize]), callbacks);
  }
  /** The results in order, as they become available (`for await`, or `next(timeout)`). */
  imap<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1, options: ProgressOptions = {}): Promise<IMapIteratorProxy<R>> {
    const all = [...items];
    return withProgress(this._callMethod('imap', [fn, all, chunksize]), all.length, options);
  }
  /** The results in completion order. */
  imapUnordered<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1, options: ProgressOptions = {}): Promise<IMapIteratorProxy<R>> {
    const all = [...items];
    return withProgress(this._callMethod('imap_unordered', [fn, all, chunksize]), all.length, options);
  }
  /** No more tasks will be accepted; the workers exit once the submitted ones are done. */
  close(): Promise<void> {
    return this._callMethod('close');
  }
  /** Waits for the workers to exit (after close() or terminate(); ValueError otherwise). */
  join(): Promise<void> {
    return this._callMethod('join');
  }
  /** Stops the workers now; pending tasks reject. */
  terminate(): Promise<void> {
    return this._callMethod('terminate');
  }

  /** As Python's `with pool:`, leaving the block terminates the pool; then the reference is dropped. */
  override async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (!this._released) await this.terminate();
    } finally {
      await this._release();
    }
  }
}

/** The pending result of an applyAsync / mapAsync / starmapAsync call. */
export class AsyncResultProxy<T = unknown> extends BaseProxy {
  static override readonly _exposed_ = ASYNC_RESULT_EXPOSED;
  /** Set when callbacks were given: settles once they have run here (a callback's error rejects it). */
  private callbacksRan: Promise<void> | undefined;

  /** The result; rejects TimeoutError after `timeout` seconds, or with the task's error. */
  async get(timeout: number | null = null, options?: WaitOptions): Promise<T> {
    const value = (await this._callMethod('get', [timeout], null, options)) as T;
    await this.callbacksRan;
    return value;
  }

  /** Runs the callbacks here once the result arrives (a background `get`, holding this proxy). */
  _watch(callbacks: ResultCallbacks<T>): void {
    const { callback, errorCallback } = callbacks;
    if (!callback && !errorCallback) return;
    this.callbacksRan = this._callMethod('get').then(
      async (value: T) => void (callback ? await callback(value) : undefined),
      async (error: unknown) => void (errorCallback ? await errorCallback(error) : undefined),
    );
    // Whoever calls get() sees a callback's error; nobody calling get() must not crash the program.
    this.callbacksRan.catch((error: unknown) => log('a result callback threw: %O', error));
  }
  /** Resolves once the result is ready or `timeout` seconds have passed. */
  wait(timeout: number | null = null, options?: WaitOptions): Promise<void> {
    return this._callMethod('wait', [timeout], null, options);
  }
  ready(): Promise<boolean> {
    return this._callMethod('ready');
  }
  /** Whether the task succeeded; rejects ValueError while it is not ready. */
  successful(): Promise<boolean> {
    return this._callMethod('successful');
  }
}

/** The results of a hosted Pool's imap / imapUnordered. */
export class IMapIteratorProxy<T = unknown> extends BaseProxy implements AsyncIterableIterator<T, undefined, undefined> {
  static override readonly _exposed_ = IMAP_ITERATOR_EXPOSED;

  /** The next result, `{ done: true }` after the last; TimeoutError when none is ready within `timeout` s. */
  /** Set by PoolProxy.imap's `onProgress`: counts each result as it arrives here. */
  _itemDone: ((items: number) => void) | undefined;

  async next(timeout: number | null = null, options?: WaitOptions): Promise<IteratorResult<T, undefined>> {
    try {
      const value = (await this._callMethod('__next__', [timeout], null, options)) as T;
      this._itemDone?.(1);
      return { value, done: false };
    } catch (err) {
      if (err instanceof StopIteration) return { value: undefined, done: true };
      throw err;
    }
  }
  /** Ends a `for await` loop early: the server stops collecting results for it. */
  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this._released) await this._callMethod('close');
    return { value: undefined, done: true };
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

async function withProgress<R>(made: Promise<IMapIteratorProxy<R>>, total: number, options: ProgressOptions): Promise<IMapIteratorProxy<R>> {
  const itemDone = progressCounter(options, total);
  const iterator = await made;
  if (options.onProgress !== undefined) iterator._itemDone = itemDone;
  return iterator;
}

async function watched<R>(created: Promise<AsyncResultProxy<R>>, callbacks: ResultCallbacks<R>): Promise<AsyncResultProxy<R>> {
  const result = await created;
  result._watch(callbacks);
  return result;
}
