// EventProxy: a shared Event.
import { EVENT_EXPOSED } from '../server/sync/index.js';
import { BaseProxy, type WaitOptions } from './base.js';

export class EventProxy extends BaseProxy {
  static override readonly _exposed_ = EVENT_EXPOSED;

  isSet(): Promise<boolean> {
    return this._callMethod('is_set');
  }
  set(): Promise<void> {
    return this._callMethod('set');
  }
  clear(): Promise<void> {
    return this._callMethod('clear');
  }
  /** Resolves to the flag: true once set, false if the timeout (seconds) expires first. */
  wait(timeout: number | null = null, options?: WaitOptions): Promise<boolean> {
    return this._callMethod('wait', [timeout], null, options);
  }
}
