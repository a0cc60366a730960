// Python's dict key iterator (what `iter(d)` returns on the server): live over the dict, and
// failing with RuntimeError once the dict's size changes, as CPython does. The error is sticky.
import { RuntimeError } from '../../errors.js';
import type { DictStore } from './dictStore.js';

export class DictKeyIterator implements IterableIterator<unknown> {
  /** Python's type name, used in messages such as "'dict_keyiterator' object has no attribute 'send'". */
  readonly [Symbol.toStringTag] = 'dict_keyiterator';
  private readonly sizeAtStart: number;
  private readonly keys: Iterator<unknown>;
  private state: 'running' | 'done' | 'broken' = 'running';

  constructor(private readonly store: DictStore) {
    this.sizeAtStart = store.size;
    this.keys = store.liveKeys();
  }

  next(): IteratorResult<unknown> {
    if (this.state === 'done') return { done: true, value: undefined };
    if (this.state === 'broken' || this.store.size !== this.sizeAtStart) {
      this.state = 'broken';
      throw new RuntimeError('dictionary changed size during iteration');
    }
    const result = this.keys.next();
    if (result.done === true) this.state = 'done';
    return result;
  }

  [Symbol.iterator](): this {
    return this;
  }
}
