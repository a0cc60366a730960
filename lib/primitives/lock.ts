// Python's threading.Lock: not re-entrant, and anyone may release it. It still records who holds it,
// so the server can release it when that client disconnects and Condition can check ownership.
import { RuntimeError, ValueError } from '../errors.js';
import { ownerOf, type OwnedPrimitive, type WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

/** Python's messages for Lock and RLock timeouts. */
export const LOCK_NEGATIVE_TIMEOUT_MESSAGE = 'timeout value must be positive';
export const LOCK_NONBLOCKING_TIMEOUT_MESSAGE = "can't specify a timeout for a non-blocking call";

export class Lock implements OwnedPrimitive {
  #isLocked = false;
  #holder: unknown = undefined;
  /** Each waiter holds the owner that will hold the lock once it is handed over. */
  readonly #waiters = new WaiterList<unknown, boolean>();

  /**
   * Takes the lock for options.owner. `blocking` waits FIFO up to `timeout` seconds
   * (null/undefined = forever, 0 = poll) and resolves false on timeout. `blocking = false` with a
   * timeout → ValueError; negative timeout → ValueError.
   */
  async acquire(blocking = true, timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    if (!blocking && timeout !== null && timeout !== undefined) {
      throw new ValueError(LOCK_NONBLOCKING_TIMEOUT_MESSAGE);
    }
    const seconds = blocking ? checkTimeout(timeout, LOCK_NEGATIVE_TIMEOUT_MESSAGE) : 0;
    throwIfAborted(options?.signal);
    const owner = ownerOf(options);
    if (!this.#isLocked) {
      this.#take(owner);
      return true;
    }
    return this.#waiters.add({ data: owner, timeout: seconds, signal: options?.signal, onTimeout: () => false });
  }

  /** Releases the lock whoever holds it (no owner check, as Python), handing it to the oldest waiter. */
  release(_options?: WaitOptions): void {
    if (!this.#isLocked) throw new RuntimeError('release unlocked lock');
    const next = this.#waiters.takeOldest();
    if (next) {
      this.#holder = next.data;
      next.resolve(true);
    } else {
      this.#isLocked = false;
      this.#holder = undefined;
    }
  }

  locked(): boolean {
    return this.#isLocked;
  }

  /** Introspection (the server's `describe`): who holds the lock; undefined when it is free. */
  get holder(): unknown {
    return this.#holder;
  }

  /** Introspection: the owners waiting for the lock, oldest first. */
  waiters(): IterableIterator<unknown> {
    return this.#waiters.pending();
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** True when `owner` took the lock (and nobody released it since). */
  isOwned(owner: unknown): boolean {
    return this.#isLocked && this.#holder === owner;
  }

  releaseAllOwnedBy(owner: unknown): number {
    if (!this.isOwned(owner)) return 0;
    this.release();
    return 1;
  }

  /** For Condition.wait: releases the lock, returning the level to restore (always 1). */
  _releaseSave(_owner: unknown): number {
    this.release();
    return 1;
  }

  /** For Condition.wait: takes the lock back (waiting as long as needed; abortable). */
  async _acquireRestore(_level: number, options?: WaitOptions): Promise<void> {
    await this.acquire(true, null, options);
  }

  #take(owner: unknown): void {
    this.#isLocked = true;
    this.#holder = owner;
  }
}
