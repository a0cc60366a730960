// Python's threading.Event: a flag that waiters wait to see set.
import type { WaitOptions } from './options.js';
import { checkTimeout, throwIfAborted } from './timeouts.js';
import { WaiterList } from './waiterList.js';

export class Event {
  #flag = false;
  readonly #waiters = new WaiterList<undefined, boolean>();

  /** Introspection (the server's `describe`): calls waiting for the flag. */
  get waiting(): number {
    return this.#waiters.size;
  }

  isSet(): boolean {
    return this.#flag;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#flag = true;
    for (const waiter of this.#waiters.takeAll()) waiter.resolve(true);
  }

  clear(): void {
    this.#flag = false;
  }

  /** Waits until the flag is set or `timeout` seconds pass (null/undefined = forever, 0 = poll); resolves the flag. */
  async wait(timeout?: number | null, options?: WaitOptions): Promise<boolean> {
    const seconds = checkTimeout(timeout);
    throwIfAborted(options?.signal);
    if (this.#flag) return true;
    return this.#waiters.add({
      data: undefined,
      timeout: seconds,
      signal: options?.signal,
      onTimeout: () => this.#flag,
    });
  }
}
