// ConditionProxy: a shared Condition. `waitFor` evaluates its predicate here, on the client.
import { CONDITION_EXPOSED } from '../server/sync/index.js';
import { AcquirerProxy } from './acquirer.js';
import type { WaitOptions } from './base.js';

export class ConditionProxy extends AcquirerProxy {
  static override readonly _exposed_: readonly string[] = CONDITION_EXPOSED;

  /** Releases the lock, waits for a notify (or the timeout), reacquires; true if notified. */
  wait(timeout: number | null = null, options?: WaitOptions): Promise<boolean> {
    return this._callMethod('wait', [timeout], null, options);
  }
  /** Python's loop: wait until `predicate()` is truthy or the timeout expires; returns its last value. */
  async waitFor<R>(predicate: () => R | Promise<R>, timeout: number | null = null, options?: WaitOptions): Promise<R> {
    const deadline = timeout === null ? null : performance.now() + timeout * 1000;
    let result = await predicate();
    while (!result) {
      let wait: number | null = null;
      if (deadline !== null) {
        wait = (deadline - performance.now()) / 1000;
        if (wait <= 0) break;
      }
      await this.wait(wait, options);
      result = await predicate();
    }
    return result;
  }
  notify(n = 1): Promise<void> {
    return this._callMethod('notify', [n]);
  }
  notifyAll(): Promise<void> {
    return this._callMethod('notify_all');
  }
}
