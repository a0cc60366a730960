// QueueProxy: a shared Queue / JoinableQueue. Blocking calls are Promises; timeouts in seconds;
// an AbortSignal in the trailing options cancels the wait on the server.
import { QUEUE_EXPOSED } from '../server/sync/index.js';
import { BaseProxy, type WaitOptions } from './base.js';

export class QueueProxy<T = unknown> extends BaseProxy implements AsyncIterable<T> {
  static override readonly _exposed_ = QUEUE_EXPOSED;

  /** Waits while the queue is full (unless `block` is false); rejects Full on timeout. */
  put(item: T, block = true, timeout: number | null = null, options?: WaitOptions): Promise<void> {
    return this._callMethod('put', [item, block, timeout], null, options);
  }
  /** Waits while the queue is empty (unless `block` is false); rejects Empty on timeout. */
  get(block = true, timeout: number | null = null, options?: WaitOptions): Promise<T> {
    return this._callMethod('get', [block, timeout], null, options);
  }
  putNowait(item: T): Promise<void> {
    return this._callMethod('put_nowait', [item]);
  }
  getNowait(): Promise<T> {
    return this._callMethod('get_nowait');
  }
  qsize(): Promise<number> {
    return this._callMethod('qsize');
  }
  empty(): Promise<boolean> {
    return this._callMethod('empty');
  }
  full(): Promise<boolean> {
    return this._callMethod('full');
  }
  /** Rejects ValueError when called more times than there were items. */
  taskDone(): Promise<void> {
    return this._callMethod('task_done');
  }
  /** Resolves once every item put has been marked done. */
  join(options?: WaitOptions): Promise<void> {
    return this._callMethod('join', [], null, options);
  }

  /** Consumes items forever (each step is a blocking `get()`); `break` to stop. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) yield await this.get();
  }
}
