// Python's dict, served over a Map or a plain object that the server program keeps using: every
// method reads and modifies `referent` itself. Method names are Python's, as they travel on the wire.
// Keys compare by value (an array key sent again finds the stored one); see mapStore / objectStore.
import { KeyError, TypeError, ValueError } from '../../errors.js';
import { DictKeyIterator } from './dictKeyIterator.js';
import type { DictEntry, DictStore } from './dictStore.js';
import { MapStore } from './mapStore.js';
import { ObjectStore } from './objectStore.js';
import { isPlainObject, pyListOrUndefined, pyRepr, pyTypeName } from './pyValues.js';

/** CPython's DictProxy exposed names. */
export const DICT_EXPOSED: readonly string[] = Object.freeze([
  '__contains__',
  '__delitem__',
  '__getitem__',
  '__iter__',
  '__len__',
  '__setitem__',
  'clear',
  'copy',
  'get',
  'items',
  'keys',
  'pop',
  'popitem',
  'setdefault',
  'update',
  'values',
]);

/** `iter(d)` is served as a new shared Iterator object, as CPython's DictProxy does. */
export const DICT_METHOD_TO_TYPEID: Readonly<Record<string, string>> = Object.freeze({ __iter__: 'Iterator' });

export class DictAdapter {
  private readonly store: DictStore;

  constructor(readonly referent: Map<unknown, unknown> | Record<string, unknown>) {
    this.store = referent instanceof Map ? new MapStore(referent) : new ObjectStore(referent);
  }

  __getitem__(key: unknown): unknown {
    const entry = this.find(key);
    if (entry === undefined) throw new KeyError(pyRepr(key));
    return entry.value;
  }

  __setitem__(key: unknown, value: unknown): void {
    this.store.set(this.store.normalizeKey(key), value);
  }

  __delitem__(key: unknown): void {
    if (this.store.delete(this.store.normalizeKey(key)) === undefined) throw new KeyError(pyRepr(key));
  }

  __contains__(key: unknown): boolean {
    return this.find(key) !== undefined;
  }

  __len__(): number {
    return this.store.size;
  }

  /** A live key iterator; RuntimeError on the next step once the dict's size has changed. */
  __iter__(): DictKeyIterator {
    return new DictKeyIterator(this.store);
  }

  __repr__(): string {
    return pyRepr(this.referent);
  }

  get(key: unknown, defaultValue: unknown = null): unknown {
    const entry = this.find(key);
    return entry === undefined ? defaultValue : entry.value;
  }

  /** A list of the keys (CPython's proxies also return lists, not views). */
  keys(): unknown[] {
    return this.store.keys();
  }

  values(): unknown[] {
    return this.store.values();
  }

  /** A list of [key, value] pairs, frozen: a pickle client receives them as tuples, as from Python. */
  items(): [unknown, unknown][] {
    const entries = this.store.entries();
    for (const pair of entries) Object.freeze(pair);
    return entries;
  }

  /**
   * Removes `key` and returns its value. With no default, a missing key is a KeyError; a default
   * given as null (None) is a real default, hence the rest parameter.
   */
  pop(key: unknown, ...defaultValue: unknown[]): unknown {
    if (defaultValue.length > 1) throw new TypeError(`pop expected at most 2 arguments, got ${defaultValue.length + 1}`);
    const entry = this.store.delete(this.store.normalizeKey(key));
    if (entry !== undefined) return entry.value;
    if (defaultValue.length === 0) throw new KeyError(pyRepr(key));
    return defaultValue[0];
  }

  /** Removes and returns the last inserted [key, value] pair (LIFO, as Python 3.7+). */
  popitem(): [unknown, unknown] {
    const last = this.store.lastKey();
    if (last === undefined) throw new KeyError('popitem(): dictionary is empty');
    const entry = this.store.delete(last.key)!;
    return Object.freeze([entry.key, entry.value]) as [unknown, unknown];
  }

  setdefault(key: unknown, defaultValue: unknown = null): unknown {
    const normalized = this.store.normalizeKey(key);
    const entry = this.store.lookup(normalized);
    if (entry !== undefined) return entry.value;
    this.store.set(normalized, defaultValue);
    return defaultValue;
  }

  /**
   * `update(other)` / `update(other, keywords)` / `update(keywords)`: `other` is a Map, a plain
   * object, or an iterable of [key, value] pairs; keyword arguments arrive as a trailing plain
   * object and are applied after it, as in Python. Pairs are added one by one, so a malformed
   * element fails after the ones before it were added (as CPython).
   */
  update(other?: unknown, keywords?: Record<string, unknown>): void;
  update(...args: unknown[]): void {
    const hasKeywords = args.length >= 2 && isPlainObject(args[args.length - 1]);
    const positional = hasKeywords ? args.slice(0, -1) : args;
    if (positional.length > 1) throw new TypeError(`update expected at most 1 argument, got ${positional.length}`);
    if (positional.length === 1) addPairs(positional[0], (key, value) => this.__setitem__(key, value));
    if (hasKeywords) addPairs(args[args.length - 1], (key, value) => this.__setitem__(key, value));
  }

  clear(): void {
    this.store.clear();
  }

  /** A shallow copy of the same kind as the referent: a new Map, or a new plain object. */
  copy(): Map<unknown, unknown> | Record<string, unknown> {
    return this.store.copy();
  }

  private find(key: unknown): DictEntry | undefined {
    return this.store.lookup(this.store.normalizeKey(key));
  }
}

/** Feeds `add` the pairs `dict.update(other)` adds, with Python's errors for malformed sequences. */
function addPairs(other: unknown, add: (key: unknown, value: unknown) => void): void {
  for (const [key, value] of pairsOf(other)) add(key, value);
}

function* pairsOf(other: unknown): Generator<[unknown, unknown], void, undefined> {
  // Snapshots first: `d.update(d)` must not see its own insertions.
  if (other instanceof DictAdapter) return yield* other.items();
  if (other instanceof Map) return yield* Array.from(other.entries());
  if (isPlainObject(other)) return yield* Object.entries(other);
  const elements = pyListOrUndefined(other);
  if (elements === undefined) throw new TypeError(`'${pyTypeName(other)}' object is not iterable`);
  for (const [i, element] of elements.entries()) {
    const pair = pyListOrUndefined(element);
    if (pair === undefined) {
      throw new TypeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
    }
    if (pair.length !== 2) {
      throw new ValueError(`dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
    }
    yield [pair[0], pair[1]];
  }
}
