// IteratorProxy: a live server-side iterator or generator, consumed with `for await` or `next()`.
import { StopIteration } from '../errors.js';
import { ITERATOR_EXPOSED } from '../server/adapters/index.js';
import { BaseProxy } from './base.js';

export class IteratorProxy<T = unknown> extends BaseProxy implements AsyncIterableIterator<T> {
  static override readonly _exposed_ = ITERATOR_EXPOSED;

  /** The next item, or `{ done: true }` once the server-side iterator raised StopIteration. */
  async next(value?: unknown): Promise<IteratorResult<T, undefined>> {
    try {
      const item = value === undefined ? await this._callMethod('__next__') : await this._callMethod('send', [value]);
      return { value: item as T, done: false };
    } catch (err) {
      if (err instanceof StopIteration) return { value: undefined, done: true };
      throw err;
    }
  }

  /** Sends a value into a server-side generator (Python's `send`). */
  send(value: unknown): Promise<T> {
    return this._callMethod('send', [value]);
  }

  async throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    try {
      return { value: (await this._callMethod('throw', [error])) as T, done: false };
    } catch (err) {
      if (err instanceof StopIteration) return { value: undefined, done: true };
      throw err;
    }
  }

  /** Closes the server-side generator (Python's `close`). */
  close(): Promise<void> {
    return this._callMethod('close');
  }

  /** Ends a `for await` loop early: nothing more is read. */
  async return(): Promise<IteratorResult<T, undefined>> {
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
