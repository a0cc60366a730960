// ValueProxy and ArrayProxy: a typed shared value and a typed shared array (Python typecodes,
// enforced: a value that does not fit rejects TypeError/RangeError instead of being stored).
import { ARRAY_EXPOSED } from '../server/adapters/index.js';
import { VALUE_EXPOSED } from '../server/adapters/index.js';
import { BaseProxy } from './base.js';

export class ValueProxy<T = unknown> extends BaseProxy {
  static override readonly _exposed_ = VALUE_EXPOSED;

  get(): Promise<T> {
    return this._callMethod('get');
  }
  set(value: T): Promise<void> {
    return this._callMethod('set', [value]);
  }
  override _getValue(): Promise<T> {
    return this.get();
  }
}

export class ArrayProxy<T = number> extends BaseProxy {
  static override readonly _exposed_ = ARRAY_EXPOSED;

  get(index: number): Promise<T> {
    return this._callMethod('__getitem__', [index]);
  }
  set(index: number, value: T): Promise<void> {
    return this._callMethod('__setitem__', [index, value]);
  }
  length(): Promise<number> {
    return this._callMethod('__len__');
  }
  override _getValue(): Promise<T[]> {
    return this._callMethod('#GETVALUE');
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const n = await this.length();
    for (let i = 0; i < n; i++) yield await this.get(i);
  }
}
