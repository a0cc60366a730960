// DictProxy: Python dict semantics on a shared Map or plain object. Keys are compared by value,
// including array keys; a missing key on delete/pop without a default rejects KeyError.
import { DICT_EXPOSED, DICT_METHOD_TO_TYPEID } from '../server/adapters/index.js';
import { BaseProxy } from './base.js';
import type { IteratorProxy } from './iterator.js';

export type DictKey = string | number | bigint | boolean | null | readonly DictKey[];

export class DictProxy<K extends DictKey = DictKey, V = unknown> extends BaseProxy {
  static override readonly _exposed_ = DICT_EXPOSED;
  static override readonly _methodToTypeid_ = DICT_METHOD_TO_TYPEID;

  get(key: K, defaultValue: V | null = null): Promise<V | null> {
    return this._callMethod('get', [key, defaultValue]);
  }
  set(key: K, value: V): Promise<void> {
    return this._callMethod('__setitem__', [key, value]);
  }
  /** Rejects KeyError when the key is missing. */
  delete(key: K): Promise<void> {
    return this._callMethod('__delitem__', [key]);
  }
  /** `d[key]`: rejects KeyError when the key is missing. */
  getItem(key: K): Promise<V> {
    return this._callMethod('__getitem__', [key]);
  }
  has(key: K): Promise<boolean> {
    return this._callMethod('__contains__', [key]);
  }
  keys(): Promise<K[]> {
    return this._callMethod('keys');
  }
  values(): Promise<V[]> {
    return this._callMethod('values');
  }
  items(): Promise<[K, V][]> {
    return this._callMethod('items');
  }
  length(): Promise<number> {
    return this._callMethod('__len__');
  }
  /** Without a default, rejects KeyError when the key is missing. */
  pop(key: K, ...defaultValue: [] | [V]): Promise<V> {
    return this._callMethod('pop', [key, ...defaultValue]);
  }
  popitem(): Promise<[K, V]> {
    return this._callMethod('popitem');
  }
  setdefault(key: K, value: V | null = null): Promise<V> {
    return this._callMethod('setdefault', [key, value]);
  }
  update(entries: Iterable<readonly [K, V]> | Map<K, V> | Record<string, V>): Promise<void> {
    const arg = entries instanceof Map ? entries : Symbol.iterator in Object(entries) ? [...(entries as Iterable<[K, V]>)] : entries;
    return this._callMethod('update', [arg]);
  }
  clear(): Promise<void> {
    return this._callMethod('clear');
  }
  copy(): Promise<Map<K, V>> {
    return this._callMethod('copy').then(toMap<K, V>);
  }
  override _getValue(): Promise<Map<K, V>> {
    return this._callMethod('#GETVALUE').then(toMap<K, V>);
  }

  /** Iterates the keys through a live server-side iterator (RuntimeError if the dict changes size). */
  async *[Symbol.asyncIterator](): AsyncGenerator<K> {
    const iterator = (await this._callMethod('__iter__')) as IteratorProxy<K>;
    try {
      for await (const key of iterator) yield key;
    } finally {
      await iterator._release();
    }
  }
}

function toMap<K, V>(value: unknown): Map<K, V> {
  if (value instanceof Map) return value as Map<K, V>;
  return new Map(Object.entries(value as object)) as Map<K, V>;
}
