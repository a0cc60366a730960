// A dict stored in a plain object (or a null-prototype record). Keys are strings; a number or
// bigint key is stored as its string, as JS property access does. `__proto__`, `constructor`,
// `toString` are ordinary data here: only own properties count, and new ones are defined with
// Object.defineProperty, so no key can reach or replace the prototype.
import { TypeError } from '../../errors.js';
import type { DictEntry, DictStore } from './dictStore.js';
import { pyTypeName } from './pyTypes.js';

export class ObjectStore implements DictStore {
  constructor(private readonly record: Record<string, unknown>) {}

  /** O(n): objects do not keep a count. */
  get size(): number {
    return Object.keys(this.record).length;
  }

  normalizeKey(key: unknown): string {
    if (typeof key === 'string') return key;
    if (typeof key === 'number' || typeof key === 'bigint') return String(key);
    throw new TypeError(`keys of a dict held in a plain object must be str or int, not '${pyTypeName(key)}'`);
  }

  lookup(key: unknown): DictEntry | undefined {
    const name = key as string;
    return hasOwnEntry(this.record, name) ? { key: name, value: this.record[name] } : undefined;
  }

  set(key: unknown, value: unknown): void {
    const name = key as string;
    // Plain assignment keeps an existing property's attributes (and runs a setter the server
    // program defined); `__proto__` is always defined, never assigned.
    if (name !== '__proto__' && hasOwnEntry(this.record, name)) this.record[name] = value;
    else defineEntry(this.record, name, value);
  }

  delete(key: unknown): DictEntry | undefined {
    const entry = this.lookup(key);
    if (entry !== undefined) delete this.record[key as string];
    return entry;
  }

  keys(): string[] {
    return Object.keys(this.record);
  }

  values(): unknown[] {
    return Object.values(this.record);
  }

  entries(): [string, unknown][] {
    return Object.entries(this.record);
  }

  lastKey(): { key: unknown } | undefined {
    const keys = Object.keys(this.record);
    return keys.length === 0 ? undefined : { key: keys[keys.length - 1] };
  }

  clear(): void {
    for (const key of Object.keys(this.record)) delete this.record[key];
  }

  /** A new object with the same entries and the same kind of prototype (Object.prototype or null). */
  copy(): Record<string, unknown> {
    const prototype: unknown = Object.getPrototypeOf(this.record);
    const copy = Object.create(prototype === null ? null : Object.prototype) as Record<string, unknown>;
    for (const [key, value] of Object.entries(this.record)) defineEntry(copy, key, value);
    return copy;
  }

  /** Keys present when iteration started, skipping those deleted since. */
  *liveKeys(): Generator<string, void, undefined> {
    for (const key of Object.keys(this.record)) if (hasOwnEntry(this.record, key)) yield key;
  }
}

function hasOwnEntry(record: object, key: string): boolean {
  return Object.prototype.propertyIsEnumerable.call(record, key);
}

function defineEntry(record: object, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
