// AsyncResult: the pending result of Pool.applyAsync / mapAsync / starmapAsync (Python's
// ApplyResult). Its outcome is recorded the moment it settles, so a failure nobody asks about is
// never an unhandled rejection.
import { AbortError, TimeoutError, ValueError } from '../errors.js';
import type { WaitOptions } from '../proxies/base.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class AsyncResult<T = unknown> {
  private outcome: Outcome<T> | undefined;
  private readonly settled: Promise<void>;

  constructor(result: Promise<T>) {
    this.settled = result.then(
      (value) => void (this.outcome = { ok: true, value }),
      (error: unknown) => void (this.outcome = { ok: false, error }),
    );
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

/** Waits for `settled`, at most `timeout` seconds; rejects AbortError if `signal` aborts first. */
function settledWithin(settled: Promise<void>, timeout: number | null, signal: AbortSignal | undefined): Promise<void> {
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
