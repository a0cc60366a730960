// The storage behind DictAdapter: a JS Map or a plain object, modified in place. DictAdapter holds
// Python's dict semantics; a store only knows how its backend finds, adds and removes keys.

/** One stored entry: the key as stored (may be a different, equal array than the one asked for). */
export interface DictEntry {
  key: unknown;
  value: unknown;
}

export interface DictStore {
  /** The number of entries. */
  readonly size: number;
  /** Checks a key a client sent and returns the form the store uses; TypeError for unusable keys. */
  normalizeKey(key: unknown): unknown;
  /** The entry whose key equals `key` (a normalized key), if any. */
  lookup(key: unknown): DictEntry | undefined;
  /** Sets the value under the existing equal key, else adds `key` at the end. */
  set(key: unknown, value: unknown): void;
  /** Removes the entry whose key equals `key`; returns it, or undefined when missing. */
  delete(key: unknown): DictEntry | undefined;
  /** Snapshots, in iteration order. */
  keys(): unknown[];
  values(): unknown[];
  entries(): [unknown, unknown][];
  /** The most recently inserted key (for popitem), or undefined when empty. */
  lastKey(): { key: unknown } | undefined;
  clear(): void;
  /** A new backend object of the same kind (Map or plain object) with the same entries. */
  copy(): Map<unknown, unknown> | Record<string, unknown>;
  /** Iterates the keys as they are now and as they change (size checks are the caller's job). */
  liveKeys(): Iterator<unknown>;
}
