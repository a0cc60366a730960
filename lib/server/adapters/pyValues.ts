// Python's view of JS values: type names, `==`, `<` (for sorting) and `list(x)`. Used by the
// list/dict adapters so that `in`, `index`, `count`, `remove`, `sort` and dict key lookups behave
// as in CPython. JS types stay distinct (true != 1, '1' != 1), except number vs bigint of equal value.
import { ServerRef } from '../serverRef.js';
import { RangeError, RuntimeError, TypeError } from '../../errors.js';
import { isDict, isPlainObject, pyTypeName } from './pyTypes.js';

export { pyRepr } from './pyRepr.js';
export { asPyInteger, isDict, isPlainObject, pyTypeName } from './pyTypes.js';

/**
 * Python's `a == b` (with the `is` shortcut that `in`, `index`, `count` use, for objects only:
 * NaN != NaN). null and undefined are both None. Arrays element-wise, Maps and plain objects by
 * key/value, Sets by members, Uint8Array bytewise, Date by time, ServerRef by `equals()`, any other
 * object by identity. Cycles deeper than Python's recursion limit raise RuntimeError.
 */
export function pyEquals(a: unknown, b: unknown): boolean {
  return equalsAt(a, b, 0);
}

/**
 * Python's ordering for `list.sort()`: negative when a < b, positive when a > b, 0 otherwise
 * (also for unordered pairs such as NaN, where Python's `<` is false both ways). Numbers, bigints
 * and booleans (as 0/1) numerically; strings by code point; arrays lexicographically; Uint8Array
 * bytewise; Dates by time. Anything else throws TypeError("'<' not supported between instances
 * of 'str' and 'int'").
 */
export function pyCompare(a: unknown, b: unknown): number {
  return compareAt(a, b, 0);
}

/**
 * The most items one call may create from a few bytes of message (`list * n`, `Array(typecode, n)`,
 * a string or bytes turned into one item per character or byte). Python raises MemoryError when
 * memory runs out, but running out of memory kills a Node process, and building millions of items
 * holds up every other client: one small request must cost neither. Larger lists and arrays can
 * still be sent item by item, or built up over several calls.
 */
export const MAX_ITEMS_PER_CALL = 1024 * 1024;

/**
 * Python's `list(x)` for the iterables a client can send: arrays (copied), strings (by code point),
 * Maps and plain objects (their keys), Sets, Uint8Array (byte values), any other JS iterable.
 * Returns undefined when the value is not iterable, so callers can raise their own message. A string
 * or bytes of more than MAX_ITEMS_PER_CALL characters or bytes is RangeError: one 60 MiB string
 * would otherwise become 60 million items (gigabytes).
 */
export function pyListOrUndefined(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value.slice();
  if (typeof value === 'string') return itemsWithin(value.length / 2 > MAX_ITEMS_PER_CALL ? undefined : Array.from(value), value.length);
  if (value instanceof Uint8Array && value.length > MAX_ITEMS_PER_CALL) return itemsWithin(undefined, value.length);
  if (value instanceof Map) return Array.from(value.keys());
  if (isPlainObject(value)) return Object.keys(value);
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'object' && value !== null && Symbol.iterator in value) {
    return Array.from(value as Iterable<unknown>);
  }
  return undefined;
}

/** `items` if within MAX_ITEMS_PER_CALL (undefined: too many to build, `size` of them); else RangeError. */
function itemsWithin(items: unknown[] | undefined, size: number): unknown[] {
  if (items !== undefined && items.length <= MAX_ITEMS_PER_CALL) return items;
  throw new RangeError(`${items?.length ?? size} items are more than the ${MAX_ITEMS_PER_CALL} one call may create`);
}

/** Python's `list(x)`; TypeError("'int' object is not iterable") when x is not iterable. */
export function pyList(value: unknown): unknown[] {
  const items = pyListOrUndefined(value);
  if (items === undefined) throw new TypeError(`'${pyTypeName(value)}' object is not iterable`);
  return items;
}

// CPython's default recursion limit; comparing deeper structures raises RecursionError there.
const MAX_DEPTH = 1000;

function checkDepth(depth: number): void {
  if (depth > MAX_DEPTH) throw new RuntimeError('maximum recursion depth exceeded in comparison');
}

function isNone(value: unknown): boolean {
  return value === null || value === undefined;
}

function equalsAt(a: unknown, b: unknown, depth: number): boolean {
  if (typeof a === 'number' || typeof a === 'bigint') {
    // JS's `==` between number and bigint compares mathematical values exactly.
    return (typeof b === 'number' || typeof b === 'bigint') && a == b;
  }
  if (isNone(a)) return isNone(b);
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) return a === b;
  if (a === b) return true;
  checkDepth(depth);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equalsAt(item, b[i], depth + 1));
  }
  if (isDict(a)) return isDict(b) && dictsEqual(a, b, depth + 1);
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const member of a) {
      if (b.has(member)) continue;
      if (!Array.from(b).some((other) => equalsAt(member, other, depth + 1))) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof ServerRef) return a.equals(b);
  return false;
}

function dictsEqual(
  a: Map<unknown, unknown> | Record<string, unknown>,
  b: Map<unknown, unknown> | Record<string, unknown>,
  depth: number,
): boolean {
  const entriesA = a instanceof Map ? Array.from(a.entries()) : Object.entries(a);
  const sizeB = b instanceof Map ? b.size : Object.keys(b).length;
  if (entriesA.length !== sizeB) return false;
  return entriesA.every(([key, value]) => {
    const found = dictLookup(b, key, depth);
    return found !== undefined && equalsAt(value, found.value, depth);
  });
}

function dictLookup(
  dict: Map<unknown, unknown> | Record<string, unknown>,
  key: unknown,
  depth: number,
): { value: unknown } | undefined {
  if (dict instanceof Map) {
    if (dict.has(key)) return { value: dict.get(key) };
    // Keys equal by value but not by identity: arrays, 1 vs 1n, null vs undefined.
    for (const [storedKey, value] of dict) if (equalsAt(key, storedKey, depth)) return { value };
    return undefined;
  }
  if (typeof key !== 'string' || !Object.prototype.propertyIsEnumerable.call(dict, key)) return undefined;
  return { value: dict[key] };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareAt(a: unknown, b: unknown, depth: number): number {
  const numberA = asOrderedNumber(a);
  const numberB = asOrderedNumber(b);
  if (numberA !== undefined && numberB !== undefined) {
    return numberA < numberB ? -1 : numberA > numberB ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return compareArrays(a, b, depth);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime()) || 0;
  throw new TypeError(`'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

function asOrderedNumber(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

function compareArrays(a: unknown[], b: unknown[], depth: number): number {
  checkDepth(depth);
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    // As Python: the first pair that is not `==` decides, through `<`.
    if (!equalsAt(a[i], b[i], depth + 1)) return compareAt(a[i], b[i], depth + 1);
  }
  return Math.sign(a.length - b.length);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return Math.sign(a.length - b.length);
}

/** Code point order (Python's), which differs from JS's UTF-16 unit order above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    const pointA = codePointCovering(a, i);
    const pointB = codePointCovering(b, i);
    return pointA < pointB ? -1 : pointA > pointB ? 1 : 0;
  }
  return Math.sign(a.length - b.length);
}

/** The code point that UTF-16 unit `i` belongs to (stepping back from a pair's low half). */
function codePointCovering(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  const previous = i > 0 ? text.charCodeAt(i - 1) : 0;
  const isLowHalf = unit >= 0xdc00 && unit <= 0xdfff;
  const followsHighHalf = previous >= 0xd800 && previous <= 0xdbff;
  return isLowHalf && followsHighHalf ? text.codePointAt(i - 1)! : text.codePointAt(i)!;
}
