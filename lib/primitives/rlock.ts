// Python's threading.RLock: re-entrant per owner, released only by its owner. Ownership is the
// WaitOptions.owner the server passes for each client (Python: the serving thread).
import { RuntimeError, ValueError } from '../errors.js';
import { LOCK_NEGATIVE_TIMEOUT_MESSAGE, LOCK_NONBLOCKING_TIMEOUT_MESSAGE } from './lock.js';
import { ownerOf, type OwnedPrimitive, type WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class RLock implements OwnedPrimitive {
  #holder: unknown = undefined;
  /** Recursion level of the holder; 0 = unlocked. */
  #level = 0;
  readonly #waiters = new WaiterList<LockRequest, boolean>();

  /**
   * Takes the lock for options.owner, or adds a level if that owner holds it already. `blocking`
   * waits FIFO up to `timeout` seconds (null/undefined = forever, 0 = poll) and resolves false on
   * timeout. `blocking = false` with a timeout → ValueError; negative timeout → ValueError.
   */
  async acquire(blocking = true, timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    if (!blocking && timeout !== null && timeout !== undefined) {
      throw new ValueError(LOCK_NONBLOCKING_TIMEOUT_MESSAGE);
    }
    const seconds = blocking ? checkTimeout(timeout, LOCK_NEGATIVE_TIMEOUT_MESSAGE) : 0;
    throwIfAborted(options?.signal);
    const owner = ownerOf(options);
    if (this.#tryTake(owner, 1)) return true;
    return this.#waiters.add({
      data: { owner, level: 1 },
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => false,
    });
  }

  /** Drops one level; at zero the oldest waiter gets the lock. Non-owner → RuntimeError. */
  release(options?: WaitOptions): void {
    if (!this.isOwned(ownerOf(options))) throw new RuntimeError('cannot release un-acquired lock');
    this.#level -= 1;
    if (this.#level === 0) this.#handOver();
  }

  locked(): boolean {
    return this.#level > 0;
  }

  /** Introspection (the server's `describe`): who holds the lock; undefined when it is free. */
  get holder(): unknown {
    return this.#level > 0 ? this.#holder : undefined;
  }

  /** Introspection: the holder's recursion level (0 when free). */
  get level(): number {
    return this.#level;
  }

  /** Introspection: the owners waiting for the lock, oldest first. */
  *waiters(): IterableIterator<unknown> {
    for (const request of this.#waiters.pending()) yield request.owner;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  isOwned(owner: unknown): boolean {
    return this.#level > 0 && this.#holder === owner;
  }

  /** Releases every recursion level `owner` holds; returns how many. */
  releaseAllOwnedBy(owner: unknown): number {
    return this.isOwned(owner) ? this._releaseSave(owner) : 0;
  }

  /** For Condition.wait: releases all levels at once, returning them. The caller checked ownership. */
  _releaseSave(_owner: unknown): number {
    const level = this.#level;
    this.#level = 0;
    this.#handOver();
    return level;
  }

  /** For Condition.wait: takes the lock back with `level` levels (waiting as long as needed; abortable). */
  async _acquireRestore(level: number, options?: WaitOptions): Promise<void> {
    throwIfAborted(options?.signal);
    const owner = ownerOf(options);
    if (this.#tryTake(owner, level)) return;
    await this.#waiters.add({ data: { owner, level }, signal: options?.signal });
  }

  /** Takes the lock if it is free, or adds levels if `owner` holds it; false if someone else does. */
  #tryTake(owner: unknown, level: number): boolean {
    if (this.#level === 0) this.#holder = owner;
    else if (this.#holder !== owner) return false;
    this.#level += level;
    return true;
  }

  #handOver(): void {
    const next = this.#waiters.takeOldest();
    if (next) {
      this.#holder = next.data.owner;
      this.#level = next.data.level;
      next.resolve(true);
    } else {
      this.#holder = undefined;
    }
  }
}

interface LockRequest {
  owner: unknown;
  level: number;
}
