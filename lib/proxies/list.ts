// ListProxy: Python list semantics on a shared array (negative indices, IndexError, sort, ...).
import { IndexError } from '../errors.js';
import { Slice } from '../codec/slice.js';
import { LIST_EXPOSED } from '../server/adapters/index.js';
import { BaseProxy } from './base.js';

export class ListProxy<T = unknown> extends BaseProxy {
  static override readonly _exposed_ = LIST_EXPOSED;

  append(value: T): Promise<void> {
    return this._callMethod('append', [value]);
  }
  extend(values: Iterable<T>): Promise<void> {
    return this._callMethod('extend', [[...values]]);
  }
  insert(index: number, value: T): Promise<void> {
    return this._callMethod('insert', [index, value]);
  }
  pop(index = -1): Promise<T> {
    return this._callMethod('pop', [index]);
  }
  remove(value: T): Promise<void> {
    return this._callMethod('remove', [value]);
  }
  index(value: T, start?: number, stop?: number): Promise<number> {
    const args: unknown[] = [value];
    if (start !== undefined) args.push(start);
    if (stop !== undefined) args.push(stop);
    return this._callMethod('index', args);
  }
  count(value: T): Promise<number> {
    return this._callMethod('count', [value]);
  }
  reverse(): Promise<void> {
    return this._callMethod('reverse');
  }
  sort(options: { reverse?: boolean } = {}): Promise<void> {
    return this._callMethod('sort', [], options.reverse ? { reverse: true } : null);
  }
  clear(): Promise<void> {
    return this._callMethod('clear');
  }
  get(index: number): Promise<T> {
    return this._callMethod('__getitem__', [index]);
  }
  set(index: number, value: T): Promise<void> {
    return this._callMethod('__setitem__', [index, value]);
  }
  delete(index: number): Promise<void> {
    return this._callMethod('__delitem__', [index]);
  }
  /** A copy of `list[start:stop:step]`. */
  slice(start?: number | null, stop?: number | null, step?: number | null): Promise<T[]> {
    return this._callMethod('__getitem__', [new Slice(start ?? null, stop ?? null, step ?? null)]);
  }
  length(): Promise<number> {
    return this._callMethod('__len__');
  }
  includes(value: T): Promise<boolean> {
    return this._callMethod('__contains__', [value]);
  }
  override _getValue(): Promise<T[]> {
    return this._callMethod('#GETVALUE');
  }

  /** Python's index protocol: lazily reads items 0, 1, ... until IndexError (sees concurrent edits). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (let i = 0; ; i++) {
      try {
        yield await this.get(i);
      } catch (err) {
        if (err instanceof IndexError) return;
        throw err;
      }
    }
  }
}
