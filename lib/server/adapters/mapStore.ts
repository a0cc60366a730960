// A dict stored in a JS Map. Primitive keys are found by the Map itself (plus the equal number /
// bigint twin); array keys through a side index from canonical string to the stored array. The
// server program may change the Map directly, so the index is checked before it is trusted.
import type { DictEntry, DictStore } from './dictStore.js';
import { canonicalKey, unusableKeyError } from './dictKeys.js';

const MISSING: unique symbol = Symbol('missing');

export class MapStore implements DictStore {
  /** Canonical key string → the array key stored in the Map. */
  private readonly arrayKeysByCanon = new Map<string, unknown[]>();
  /** The Map's size when the index was last known to match it; -1 = never built. */
  private indexedSize = -1;

  constructor(private readonly map: Map<unknown, unknown>) {}

  get size(): number {
    return this.map.size;
  }

  normalizeKey(key: unknown): unknown {
    if (key === undefined || key === null) return null;
    const type = typeof key;
    if (type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean') return key;
    if (Array.isArray(key) && canonicalKey(key) !== undefined) return key;
    throw unusableKeyError(key);
  }

  lookup(key: unknown): DictEntry | undefined {
    const stored = this.storedKey(key);
    return stored === MISSING ? undefined : { key: stored, value: this.map.get(stored) };
  }

  set(key: unknown, value: unknown): void {
    const stored = this.storedKey(key);
    if (stored !== MISSING) {
      this.map.set(stored, value);
      return;
    }
    const indexWasCurrent = this.indexedSize === this.map.size;
    this.map.set(key, value);
    if (!indexWasCurrent) return;
    if (Array.isArray(key)) this.arrayKeysByCanon.set(canonicalKey(key)!, key);
    this.indexedSize = this.map.size;
  }

  delete(key: unknown): DictEntry | undefined {
    const stored = this.storedKey(key);
    if (stored === MISSING) return undefined;
    const entry = { key: stored, value: this.map.get(stored) };
    const indexWasCurrent = this.indexedSize === this.map.size;
    this.map.delete(stored);
    if (!indexWasCurrent) return entry;
    if (Array.isArray(stored)) {
      const canon = canonicalKey(stored);
      if (canon !== undefined && this.arrayKeysByCanon.get(canon) === stored) this.arrayKeysByCanon.delete(canon);
    }
    this.indexedSize = this.map.size;
    return entry;
  }

  keys(): unknown[] {
    return Array.from(this.map.keys());
  }

  values(): unknown[] {
    return Array.from(this.map.values());
  }

  entries(): [unknown, unknown][] {
    return Array.from(this.map.entries());
  }

  /** O(n): a Map cannot be read from its end. */
  lastKey(): { key: unknown } | undefined {
    let last: { key: unknown } | undefined;
    for (const key of this.map.keys()) last = { key };
    return last;
  }

  clear(): void {
    this.map.clear();
    this.arrayKeysByCanon.clear();
    this.indexedSize = 0;
  }

  copy(): Map<unknown, unknown> {
    return new Map(this.map);
  }

  liveKeys(): Iterator<unknown> {
    return this.map.keys();
  }

  /** The key object stored in the Map that equals `key`, or MISSING. */
  private storedKey(key: unknown): unknown {
    if (Array.isArray(key)) return this.storedArrayKey(key);
    if (this.map.has(key)) return key;
    const twin = equalPrimitiveTwin(key);
    return twin !== MISSING && this.map.has(twin) ? twin : MISSING;
  }

  private storedArrayKey(key: unknown[]): unknown {
    const canon = canonicalKey(key);
    if (canon === undefined) return MISSING;
    // A size change means the server program edited the Map directly: the index may be stale.
    if (this.indexedSize !== this.map.size) this.rebuildIndex();
    const stored = this.arrayKeysByCanon.get(canon);
    if (stored === undefined) return MISSING;
    if (this.map.has(stored) && canonicalKey(stored) === canon) return stored;
    // The stored array was removed or mutated in place behind our back.
    this.rebuildIndex();
    return this.arrayKeysByCanon.get(canon) ?? MISSING;
  }

  private rebuildIndex(): void {
    this.arrayKeysByCanon.clear();
    for (const key of this.map.keys()) {
      if (!Array.isArray(key)) continue;
      const canon = canonicalKey(key);
      if (canon !== undefined && !this.arrayKeysByCanon.has(canon)) this.arrayKeysByCanon.set(canon, key);
    }
    this.indexedSize = this.map.size;
  }
}

/**
 * The other primitive the Map may hold for an equal key: 1 ↔ 1n, null ↔ undefined
 * (a Map tells them apart; Python does not).
 */
function equalPrimitiveTwin(key: unknown): unknown {
  if (key === null) return undefined;
  if (typeof key === 'number') return Number.isInteger(key) ? BigInt(key) : MISSING;
  if (typeof key === 'bigint') {
    const asNumber = Number(key);
    return BigInt(asNumber) === key ? asNumber : MISSING;
  }
  return MISSING;
}
