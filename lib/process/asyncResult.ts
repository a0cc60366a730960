// AsyncResult: the pending result of Pool.applyAsync / mapAsync / starmapAsync (Python's
// ApplyResult). Its outcome is recorded the moment it settles, so a failure nobody asks about is
// never an unhandled rejection.
import createDebug from 'debug';
import { AbortError, TimeoutError, ValueError, TypeError as PyTypeError } from '../errors.js';
import type { WaitOptions } from '../proxies/base.js';

const log = createDebug('mpmanagers:pool');

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Python's `callback` / `error_callback` of apply_async, map_async and starmap_async. */
export interface ResultCallbacks<T> {
  /** Called (and awaited) with the result once it is ready, before get() resolves. */
  callback?: ((value: T) => unknown) | null;
  /** Called (and awaited) with the error once the task failed, before get() rejects. */
  errorCallback?: ((error: unknown) => unknown) | null;
}

export class AsyncResult<T = unknown> {
  private outcome: Outcome<T> | undefined;
  private readonly settled: Promise<void>;

  /**
   * As CPython, the callbacks run before the result is ready. One that throws makes the result
   * fail with its error (CPython's result handler thread would die instead).
   */
  constructor(result: Promise<T>, callbacks: ResultCallbacks<T> = {}) {
    checkCallbacks(callbacks);
    const { callback, errorCallback } = callbacks;
    this.settled = result
      .then(
        async (value): Promise<Outcome<T>> => {
          if (callback) await callback(value);
          return { ok: true, value };
        },
        async (error: unknown): Promise<Outcome<T>> => {
          if (errorCallback) await errorCallback(error);
          return { ok: false, error };
        },
      )
      .catch((callbackError: unknown): Outcome<T> => {
        log('a result callback threw: %O', callbackError);
        return { ok: false, error: callbackError };
      })
      .then((outcome) => void (this.outcome = outcome));
  }

  /** Whether the task has completed (successfully or not). */
  ready(): boolean {
    return this.outcome !== undefined;
  }

  /** Whether the task completed without error; ValueError while it is not ready. */
  successful(): boolean {
    if (this.outcome === undefined) throw new ValueError('the result is not ready');
    return this.outcome.ok;
  }

  /** Resolves once the result is ready, or after `timeout` seconds (null: no limit), whichever is first. */
  async wait(timeout: number | null = null, options: WaitOptions = {}): Promise<void> {
    await settledWithin(this.settled, timeout, options.signal);
  }

  /** The result; rejects with the task's error, TimeoutError after `timeout` seconds, AbortError on abort. */
  async get(timeout: number | null = null, options: WaitOptions = {}): Promise<T> {
    await this.wait(timeout, options);
    const outcome = this.outcome;
    if (outcome === undefined) throw new TimeoutError(`the result was not ready within ${timeout} s`);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}

/** TypeError unless each given callback is a function. */
export function checkCallbacks(callbacks: ResultCallbacks<never>): void {
  for (const name of ['callback', 'errorCallback'] as const) {
    const fn = callbacks[name];
    if (fn !== undefined && fn !== null && typeof fn !== 'function') throw new PyTypeError(`${name} must be a function`);
  }
}

/** Waits for `settled`, at most `timeout` seconds; rejects AbortError if `signal` aborts first. */
export function settledWithin(settled: Promise<void>, timeout: number | null, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError('the wait was aborted'));
  if ((timeout === null || timeout === undefined) && signal === undefined) return settled;
  return new Promise((resolve, reject) => {
    const timer = timeout === null || timeout === undefined ? undefined : setTimeout(done, Math.max(0, timeout) * 1000);
    const onAbort = (): void => {
      cleanup();
      reject(new AbortError('the wait was aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void settled.then(done);
    function done(): void {
      cleanup();
      resolve();
    }
    function cleanup(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  });
}
