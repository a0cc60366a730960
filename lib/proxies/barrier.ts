// BarrierProxy: a shared Barrier. Rejects BrokenBarrierError when broken (timeout, abort, reset, or
// a party that disconnected while waiting).
import { BARRIER_EXPOSED } from '../server/sync/index.js';
import { BaseProxy, type WaitOptions } from './base.js';

export class BarrierProxy extends BaseProxy {
  static override readonly _exposed_ = BARRIER_EXPOSED;

  /** Resolves to this party's arrival index, 0 .. parties-1. */
  wait(timeout: number | null = null, options?: WaitOptions): Promise<number> {
    return this._callMethod('wait', [timeout], null, options);
  }
  abort(): Promise<void> {
    return this._callMethod('abort');
  }
  reset(): Promise<void> {
    return this._callMethod('reset');
  }
  parties(): Promise<number> {
    return this._callMethod('__getattribute__', ['parties']);
  }
  nWaiting(): Promise<number> {
    return this._callMethod('__getattribute__', ['n_waiting']);
  }
  broken(): Promise<boolean> {
    return this._callMethod('__getattribute__', ['broken']);
  }
}
