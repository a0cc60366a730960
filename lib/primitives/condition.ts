// Python's threading.Condition over a Lock or an RLock (default: a new RLock). wait() releases the
// lock fully, waits in a FIFO notify list, and takes the lock back with the same recursion level.
import { RuntimeError } from '../errors.js';
import type { Lock } from './lock.js';
import { ownerOf, type OwnedPrimitive, type WaitOptions } from './options.js';
import { RLock } from './rlock.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class Condition implements OwnedPrimitive {
  readonly #lock: Lock | RLock;
  /** Waiters for a notify, oldest first; each holds its owner. */
  readonly #waiters = new WaiterList<unknown, boolean>();

  /** `lock`: the lock the condition guards; default a new RLock. */
  constructor(lock?: Lock | RLock) {
    this.#lock = lock ?? new RLock();
  }

  /** Introspection (the server's `describe`): the lock the condition guards. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /** Introspection: the owners waiting for a notify, oldest first. */
  waiters(): IterableIterator<unknown> {
    return this.#waiters.pending();
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** The underlying lock's acquire(). */
  acquire(blocking = true, timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    return this.#lock.acquire(blocking, timeout, options);
  }

  /** The underlying lock's release(). */
  release(options?: WaitOptions): void {
    this.#lock.release(options);
  }

  /**
   * Releases the lock (all recursion levels), waits for a notify or `timeout` seconds
   * (null/undefined = forever, 0 = no wait), then takes the lock back with the same level before
   * resolving: true if notified, false on timeout. The lock must be held by options.owner, else
   * RuntimeError.
   *
   * On abort the waiter leaves the notify list at once (it never consumes a notify), the lock is
   * NOT taken back, and the promise rejects AbortError. The same holds when the abort comes while
   * the lock is being taken back after a notify or a timeout.
   */
  async wait(timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    const seconds = checkTimeout(timeout);
    throwIfAborted(options?.signal);
    const owner = ownerOf(options);
    if (!this.#lock.isOwned(owner)) throw new RuntimeError('cannot wait on un-acquired lock');
    const level = this.#lock._releaseSave(owner);
    const notified = await this.#waiters.add({
      data: owner,
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => false,
    });
    await this.#lock._acquireRestore(level, options);
    return notified;
  }

  /**
   * Python's wait_for loop: evaluates `predicate` (sync or async) and, while it is falsy, waits
   * again for what is left of `timeout` seconds. Resolves the last predicate value.
   */
  async waitFor<T>(
    predicate: () => T | PromiseLike<T>,
    timeout?: number | null,
    options?: WaitOptions,
  ): Promise<T> {
    let remaining = checkTimeout(timeout);
    throwIfAborted(options?.signal);
    let deadline: number | undefined;
    let result = await predicate();
    while (!result) {
      if (remaining !== null) {
        if (deadline === undefined) deadline = performance.now() + remaining * 1000;
        else {
          remaining = (deadline - performance.now()) / 1000;
          if (remaining <= 0) break;
        }
      }
      await this.wait(remaining, options);
      result = await predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiters, oldest first (n <= 0 wakes none). The lock must be held by options.owner. */
  notify(n = 1, options?: WaitOptions): void {
    if (!this.#lock.isOwned(ownerOf(options))) throw new RuntimeError('cannot notify on un-acquired lock');
    for (let woken = 0; woken < n; woken++) {
      const waiter = this.#waiters.takeOldest();
      if (!waiter) return;
      waiter.resolve(true);
    }
  }

  /** Wakes every waiter. The lock must be held by options.owner. */
  notifyAll(options?: WaitOptions): void {
    this.notify(this.#waiters.size, options);
  }

  /** Releases the underlying lock if `owner` holds it. */
  releaseAllOwnedBy(owner: unknown): number {
    return this.#lock.releaseAllOwnedBy(owner);
  }
}
