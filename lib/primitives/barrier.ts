// Python's threading.Barrier. Arrivals wait until `parties` of them are in; the last one runs the
// action and then releases the whole batch. A timeout, an aborted waiter, a failing action or
// abort() breaks the barrier for every current and future waiter until reset().
import { BrokenBarrierError, TypeError, ValueError } from '../errors.js';
import type { WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class Barrier {
  /** How many arrivals trip the barrier. */
  readonly parties: number;
  /** Seconds a wait() without its own timeout waits; null = forever (default). */
  readonly timeout: number | null;
  readonly #action: (() => unknown) | undefined;
  #broken = false;
  /** The arrivals of the filling round; each holds its arrival index. */
  readonly #arrivals = new WaiterList<number, number>();

  /**
   * `parties`: integer >= 1. `action`: run (and awaited, if it returns a promise) by the last
   * arrival before the others are released; if it throws, the barrier breaks. `timeout`: the
   * default for wait(), in seconds (null/undefined = forever).
   */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null) {
    if (!Number.isInteger(parties)) throw new TypeError('parties must be an integer');
    if (parties < 1) throw new ValueError('parties must be > 0');
    this.parties = parties;
    this.#action = action ?? undefined;
    this.timeout = checkTimeout(timeout);
  }

  /** Arrivals waiting in the filling round (0 while broken). */
  get nWaiting(): number {
    return this.#arrivals.size;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Waits for the round to fill; resolves this caller's arrival index (0 for the first arrival,
   * parties-1 for the last). `timeout` in seconds (null/undefined = the barrier's default); when it
   * expires the barrier breaks. Rejects BrokenBarrierError when the barrier is or becomes broken or
   * is reset, and AbortError when options.signal aborts (which breaks the barrier for the others,
   * so a party that disconnects does not leave them hanging). The last arrival rejects with the
   * action's own error if the action throws.
   *
   * Once the round is full the waits are decided: while an async action runs, the batch waits for
   * it and is no longer cancelled by signals, timeouts, abort() or reset().
   */
  async wait(timeout?: number | null, options?: WaitOptions): Promise<number> {
    const seconds = timeout === null || timeout === undefined ? this.timeout : checkTimeout(timeout);
    throwIfAborted(options?.signal);
    if (this.#broken) throw new BrokenBarrierError();
    const index = this.#arrivals.size;
    if (index + 1 === this.parties) return this.#trip(index);
    return this.#arrivals.add({
      data: index,
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => {
        this.#break();
        throw new BrokenBarrierError();
      },
      onAbort: () => this.#break(),
    });
  }

  /** Breaks the barrier: every current and future waiter rejects BrokenBarrierError until reset(). */
  abort(): void {
    this.#break();
  }

  /** Rejects the current waiters with BrokenBarrierError and returns the barrier to a fresh state. */
  reset(): void {
    this.#rejectArrivals();
    this.#broken = false;
  }

  async #trip(lastIndex: number): Promise<number> {
    const batch = this.#arrivals.takeAll();
    try {
      await this.#action?.();
    } catch (error) {
      this.#break();
      for (const arrival of batch) arrival.reject(new BrokenBarrierError());
      throw error;
    }
    for (const arrival of batch) arrival.resolve(arrival.data);
    return lastIndex;
  }

  #break(): void {
    this.#broken = true;
    this.#rejectArrivals();
  }

  #rejectArrivals(): void {
    for (const arrival of this.#arrivals.takeAll()) arrival.reject(new BrokenBarrierError());
  }
}
