// The FIFO of pending waits behind every primitive. A wait leaves the list exactly once: handed a
// result by the primitive (takeOldest/takeAll), by its timer, or by its abort signal. Whichever comes
// first also clears the timer and removes the abort listener, so nothing outlives a settled wait.
import { TypeError } from '../errors.js';
import { abortErrorFor, startTimer } from './timeouts.js';

export interface WaitRequest<TData, TResult> {
  /** What the primitive needs when it hands this waiter over (an owner, an item to put, ...). */
  data: TData;
  /** Seconds, already validated by checkTimeout; null/undefined = forever; 0 = expire at once. */
  timeout?: number | null;
  signal?: AbortSignal;
  /** Runs when the timeout expires, after the waiter has left the list. Its return value resolves
   *  the wait; what it throws rejects it. Required when a timeout is given. */
  onTimeout?: (data: TData) => TResult;
  /** Runs after an aborted waiter has left the list and its promise has rejected with AbortError. */
  onAbort?: (data: TData) => void;
}

/** A waiter taken off the list: the primitive must settle it. */
export interface PendingWait<TData, TResult> {
  readonly data: TData;
  resolve(result: TResult): void;
  reject(error: unknown): void;
}

export class WaiterList<TData, TResult> {
  // A Set keeps insertion (FIFO) order and removes an aborted or timed-out waiter in O(1).
  readonly #waiters = new Set<Waiter<TData, TResult>>();

  get size(): number {
    return this.#waiters.size;
  }

  /** Queues a wait at the tail. The waiter is in the list when this returns (synchronously). */
  add(request: WaitRequest<TData, TResult>): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      const { data, timeout, signal, onTimeout, onAbort } = request;
      if (signal?.aborted) {
        reject(abortErrorFor(signal));
        return;
      }
      if (timeout === 0) {
        settleWith(() => expire(onTimeout, data), resolve, reject);
        return;
      }
      const waiter: Waiter<TData, TResult> = { data, resolve, reject, cleanup: noCleanup };
      const cancelTimer =
        timeout === null || timeout === undefined
          ? noCleanup
          : startTimer(timeout, () => {
              this.#remove(waiter);
              settleWith(() => expire(onTimeout, data), resolve, reject);
            });
      const onAbortSignal = (event: Event): void => {
        this.#remove(waiter);
        reject(abortErrorFor(event.target as AbortSignal));
        onAbort?.(data);
      };
      signal?.addEventListener('abort', onAbortSignal, { once: true });
      waiter.cleanup = () => {
        cancelTimer();
        signal?.removeEventListener('abort', onAbortSignal);
      };
      this.#waiters.add(waiter);
    });
  }

  /** The waiters' data, oldest first, left in place (introspection: who waits). */
  *pending(): IterableIterator<TData> {
    for (const waiter of this.#waiters) yield waiter.data;
  }

  /** The oldest waiter's data, left in place; undefined when nobody waits. */
  peekOldest(): TData | undefined {
    for (const waiter of this.#waiters) return waiter.data;
    return undefined;
  }

  /** Removes the oldest waiter (timer and listener gone) for the caller to settle. */
  takeOldest(): PendingWait<TData, TResult> | undefined {
    for (const waiter of this.#waiters) {
      this.#remove(waiter);
      return waiter;
    }
    return undefined;
  }

  /** Removes the oldest waiter whose data passes `accept` (asked in order, until one does). */
  takeOldestWhere(accept: (data: TData) => boolean): PendingWait<TData, TResult> | undefined {
    for (const waiter of this.#waiters) {
      if (!accept(waiter.data)) continue;
      this.#remove(waiter);
      return waiter;
    }
    return undefined;
  }

  /** Removes every waiter, oldest first, for the caller to settle. */
  takeAll(): PendingWait<TData, TResult>[] {
    const taken = [...this.#waiters];
    for (const waiter of taken) this.#remove(waiter);
    return taken;
  }

  #remove(waiter: Waiter<TData, TResult>): void {
    this.#waiters.delete(waiter);
    waiter.cleanup();
  }
}

interface Waiter<TData, TResult> extends PendingWait<TData, TResult> {
  cleanup: () => void;
}

function noCleanup(): void {}

function expire<TData, TResult>(onTimeout: ((data: TData) => TResult) | undefined, data: TData): TResult {
  if (!onTimeout) throw new TypeError('WaiterList: a wait with a timeout needs onTimeout');
  return onTimeout(data);
}

function settleWith<TResult>(
  compute: () => TResult,
  resolve: (result: TResult) => void,
  reject: (error: unknown) => void,
): void {
  try {
    resolve(compute());
  } catch (error) {
    reject(error);
  }
}
