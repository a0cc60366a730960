// PoolProxy: a worker pool hosted by a manager (`manager.Pool(n, { module })`). Functions are named
// exports of the pool's module, never shipped. The *Async forms resolve to an AsyncResultProxy, the
// imap forms to a live iterator (`for await (const x of await pool.imap('f', items))`).
import { POOL_EXPOSED, POOL_METHOD_TO_TYPEID, ASYNC_RESULT_EXPOSED } from '../process/poolWire.js';
import { BaseProxy, type WaitOptions } from './base.js';
import type { IteratorProxy } from './iterator.js';

export class PoolProxy extends BaseProxy {
  static override readonly _exposed_ = POOL_EXPOSED;
  static override readonly _methodToTypeid_ = POOL_METHOD_TO_TYPEID;

  /** Runs `fn(...args)` in a worker; resolves to its result (rejects with its error, class kept). */
  apply<R = unknown>(fn: string, args: readonly unknown[] = []): Promise<R> {
    return this._callMethod('apply', [fn, [...args]]);
  }
  applyAsync<R = unknown>(fn: string, args: readonly unknown[] = []): Promise<AsyncResultProxy<R>> {
    return this._callMethod('apply_async', [fn, [...args]]);
  }
  /** `fn(item)` for each item, in parallel, in chunks of `chunksize` (default: Python's heuristic). */
  map<R = unknown>(fn: string, items: Iterable<unknown>, chunksize: number | null = null): Promise<R[]> {
    return this._callMethod('map', [fn, [...items], chunksize]);
  }
  mapAsync<R = unknown>(fn: string, items: Iterable<unknown>, chunksize: number | null = null): Promise<AsyncResultProxy<R[]>> {
    return this._callMethod('map_async', [fn, [...items], chunksize]);
  }
  /** `fn(...args)` for each args array. */
  starmap<R = unknown>(fn: string, items: Iterable<readonly unknown[]>, chunksize: number | null = null): Promise<R[]> {
    return this._callMethod('starmap', [fn, [...items], chunksize]);
  }
  starmapAsync<R = unknown>(
    fn: string,
    items: Iterable<readonly unknown[]>,
    chunksize: number | null = null,
  ): Promise<AsyncResultProxy<R[]>> {
    return this._callMethod('starmap_async', [fn, [...items], chunksize]);
  }
  /** The results in order, as they become available. */
  imap<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1): Promise<IteratorProxy<R>> {
    return this._callMethod('imap', [fn, [...items], chunksize]);
  }
  /** The results in completion order. */
  imapUnordered<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1): Promise<IteratorProxy<R>> {
    return this._callMethod('imap_unordered', [fn, [...items], chunksize]);
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

  /** The result; rejects TimeoutError after `timeout` seconds, or with the task's error. */
  get(timeout: number | null = null, options?: WaitOptions): Promise<T> {
    return this._callMethod('get', [timeout], null, options);
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
