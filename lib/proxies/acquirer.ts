// AcquirerProxy: a shared Lock, RLock, Semaphore or BoundedSemaphore. The owner of what it acquires
// is this client's connection (see README, "Ownership").
import { ACQUIRER_EXPOSED } from '../server/sync/index.js';
import { BaseProxy, type WaitOptions } from './base.js';

export class AcquirerProxy extends BaseProxy {
  static override readonly _exposed_: readonly string[] = ACQUIRER_EXPOSED;

  /** Resolves true once acquired, false if `blocking` is false or the timeout (seconds) expires. */
  acquire(blocking = true, timeout: number | null = null, options?: WaitOptions): Promise<boolean> {
    return this._callMethod('acquire', timeout === null ? [blocking] : [blocking, timeout], null, options);
  }
  release(): Promise<void> {
    return this._callMethod('release');
  }
  /** Runs `fn` while holding the lock (Python's `with lock:`). */
  async withAcquired<R>(fn: () => R | Promise<R>, options?: WaitOptions): Promise<R> {
    await this.acquire(true, null, options);
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}
