// Python's threading.Semaphore and BoundedSemaphore. A release hands its unit straight to the oldest
// waiter (the counter stays 0), so a newcomer never overtakes a queued acquirer. Units are tracked
// per owner so the server can give back what a disconnected client held.
import { TypeError, ValueError } from '../errors.js';
import { ownerOf, type OwnedPrimitive, type WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class Semaphore implements OwnedPrimitive {
  #value: number;
  /** Units held, by owner, in the order owners first took them (Map keeps insertion order). */
  readonly #unitsByOwner = new Map<unknown, number>();
  /** Each waiter holds the owner that will hold the unit once it is handed over. */
  readonly #waiters = new WaiterList<unknown, boolean>();

  /** `value`: the initial counter, an integer >= 0 (default 1). */
  constructor(value = 1) {
    if (!Number.isInteger(value)) throw new TypeError('semaphore initial value must be an integer');
    if (value < 0) throw new ValueError('semaphore initial value must be >= 0');
    this.#value = value;
  }

  /** The counter: units available right now. */
  get value(): number {
    return this.#value;
  }

  /**
   * Takes one unit for options.owner. `blocking` waits FIFO up to `timeout` seconds
   * (null/undefined = forever, 0 = poll) and resolves false on timeout. `blocking = false` with a
   * timeout → ValueError; negative timeout → ValueError.
   */
  async acquire(blocking = true, timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    if (!blocking && timeout !== null && timeout !== undefined) {
      throw new ValueError("can't specify timeout for non-blocking acquire");
    }
    const seconds = blocking ? checkTimeout(timeout) : 0;
    throwIfAborted(options?.signal);
    const owner = ownerOf(options);
    if (this.#value > 0) {
      this.#value -= 1;
      this.#recordUnit(owner);
      return true;
    }
    return this.#waiters.add({ data: owner, timeout: seconds, signal: options?.signal, onTimeout: () => false });
  }

  /**
   * Gives back `n` units (default 1, integer >= 1), each to the oldest waiter if any. Units come off
   * options.owner's count; an owner that holds fewer gives back the earliest holders' units.
   */
  release(n = 1, options?: WaitOptions): void {
    if (!Number.isInteger(n)) throw new TypeError('n must be an integer');
    if (n < 1) throw new ValueError('n must be one or more');
    this._checkRelease(n);
    const releaser = ownerOf(options);
    for (let unit = 0; unit < n; unit++) {
      this.#forgetUnit(releaser);
      const next = this.#waiters.takeOldest();
      if (next) {
        this.#recordUnit(next.data);
        next.resolve(true);
      } else {
        this.#value += 1;
      }
    }
  }

  /** Introspection (the server's `describe`): units held, by owner. */
  holders(): ReadonlyMap<unknown, number> {
    return this.#unitsByOwner;
  }

  /** Introspection: the owners waiting for a unit, oldest first. */
  waiters(): IterableIterator<unknown> {
    return this.#waiters.pending();
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** Units `owner` holds now. */
  heldBy(owner: unknown): number {
    return this.#unitsByOwner.get(owner) ?? 0;
  }

  releaseAllOwnedBy(owner: unknown): number {
    const units = this.heldBy(owner);
    if (units > 0) this.release(units, { owner });
    return units;
  }

  /** Hook for BoundedSemaphore: throws before any unit moves when `n` is too many. */
  protected _checkRelease(_n: number): void {}

  #recordUnit(owner: unknown): void {
    this.#unitsByOwner.set(owner, this.heldBy(owner) + 1);
  }

  #forgetUnit(releaser: unknown): void {
    let owner = releaser;
    if (!this.#unitsByOwner.has(owner)) {
      const earliest = this.#unitsByOwner.keys().next();
      if (earliest.done) return; // releasing above the initial value: nobody held this unit
      owner = earliest.value;
    }
    const units = this.heldBy(owner) - 1;
    if (units === 0) this.#unitsByOwner.delete(owner);
    else this.#unitsByOwner.set(owner, units);
  }
}

/** A Semaphore that refuses to rise above its initial value. */
export class BoundedSemaphore extends Semaphore {
  readonly #initialValue: number;

  /** `value`: the initial and maximum counter, an integer >= 0 (default 1). */
  constructor(value = 1) {
    super(value);
    this.#initialValue = value;
  }

  protected override _checkRelease(n: number): void {
    if (this.value + n > this.#initialValue) throw new ValueError('Semaphore released too many times');
  }
}
