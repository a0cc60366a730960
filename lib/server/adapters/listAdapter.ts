// Python's list, served over a plain JS array that the server program keeps using: every method
// reads and modifies `referent` itself. Method names are Python's, as they travel on the wire.
import { Slice } from '../../codec/slice.js';
import { IndexError, RangeError, TypeError, ValueError } from '../../errors.js';
import { asPyInteger, isPlainObject, MAX_ITEMS_PER_CALL, pyEquals, pyList, pyListOrUndefined, pyRepr, pyTypeName } from './pyValues.js';
import { pySorted } from './pySort.js';
import { assignSlice, deleteSlice, itemPosition, replaceRange, resolveSlice, sliceItems } from './sequenceIndexing.js';
import { checkRepeatedSize } from './resultSize.js';

/** CPython's BaseListProxy exposed names, plus `clear` and `copy` (added upstream after 3.13). */
export const LIST_EXPOSED: readonly string[] = Object.freeze([
  '__add__',
  '__contains__',
  '__delitem__',
  '__getitem__',
  '__len__',
  '__mul__',
  '__reversed__',
  '__rmul__',
  '__setitem__',
  'append',
  'count',
  'extend',
  'index',
  'insert',
  'pop',
  'remove',
  'reverse',
  'sort',
  '__imul__',
  'clear',
  'copy',
]);

/** Keyword arguments of `sort`, as a client sends them (`sort(reverse=True)`). */
export interface SortKeywords {
  /** Sort descending, keeping equal items in their original order. Default false. */
  reverse?: boolean;
  /** Only null/undefined is accepted: a key function cannot cross the wire. */
  key?: null;
}

// JS arrays cannot be longer than this; Python says OverflowError for a repeat count that does not fit.
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

export class ListAdapter {
  constructor(readonly referent: unknown[]) {}

  __getitem__(index: number | Slice): unknown {
    if (index instanceof Slice) return sliceItems(this.referent, index);
    const position = itemPosition(listIndex(index), this.referent.length, 'list index out of range');
    return this.referent[position];
  }

  __setitem__(index: number | Slice, value: unknown): void {
    if (index instanceof Slice) {
      const extended = resolveSlice(index, this.referent.length).step !== 1;
      const values = pyListOrUndefined(value);
      if (values === undefined) {
        throw new TypeError(extended ? 'must assign iterable to extended slice' : 'can only assign an iterable');
      }
      assignSlice(this.referent, index, values, 'sequence');
      return;
    }
    const position = itemPosition(listIndex(index), this.referent.length, 'list assignment index out of range');
    this.referent[position] = value;
  }

  __delitem__(index: number | Slice): void {
    if (index instanceof Slice) {
      deleteSlice(this.referent, index);
      return;
    }
    const position = itemPosition(listIndex(index), this.referent.length, 'list assignment index out of range');
    this.referent.splice(position, 1);
  }

  __len__(): number {
    return this.referent.length;
  }

  __contains__(value: unknown): boolean {
    return this.referent.some((item) => pyEquals(item, value));
  }

  /** `list + other`: a new array; `other` must be a list. */
  __add__(other: unknown): unknown[] {
    if (!Array.isArray(other)) {
      throw new TypeError(`can only concatenate list (not "${pyTypeName(other)}") to list`);
    }
    return this.referent.concat(other);
  }

  /** `list * n`: a new array (empty for n <= 0). */
  __mul__(count: unknown): unknown[] {
    return repeated(this.referent, repeatCount(count));
  }

  __rmul__(count: unknown): unknown[] {
    return this.__mul__(count);
  }

  /**
   * `list *= n`, in place. Returns nothing: CPython's ListProxy ignores the result (it returns the
   * proxy itself), so sending the whole list back would be wasted.
   */
  __imul__(count: unknown): void {
    const result = repeated(this.referent, repeatCount(count));
    replaceRange(this.referent, 0, this.referent.length, result);
  }

  /** A reversed copy (CPython sends a snapshot too: its reverse iterator is pickled). */
  __reversed__(): unknown[] {
    return this.referent.slice().reverse();
  }

  __repr__(): string {
    return pyRepr(this.referent);
  }

  append(value: unknown): void {
    this.referent.push(value);
  }

  extend(values: unknown): void {
    // pyList snapshots first, so `l.extend(l)` doubles the list as in Python.
    const items = pyList(values);
    replaceRange(this.referent, this.referent.length, this.referent.length, items);
  }

  /** Inserts before `index`; out-of-range indices clamp to the ends, as Python. */
  insert(index: unknown, value: unknown): void {
    const length = this.referent.length;
    const requested = integerArgument(index);
    const position = requested < 0 ? Math.max(requested + length, 0) : Math.min(requested, length);
    this.referent.splice(position, 0, value);
  }

  pop(index: unknown = -1): unknown {
    const requested = integerArgument(index);
    if (this.referent.length === 0) throw new IndexError('pop from empty list');
    const position = itemPosition(requested, this.referent.length, 'pop index out of range');
    return this.referent.splice(position, 1)[0];
  }

  remove(value: unknown): void {
    const position = this.referent.findIndex((item) => pyEquals(item, value));
    if (position < 0) throw new ValueError('list.remove(x): x not in list');
    this.referent.splice(position, 1);
  }

  /** Position of the first item equal to `value` within [start, stop) (both may be negative). */
  index(value: unknown, start: unknown = 0, stop: unknown = this.referent.length): number {
    const length = this.referent.length;
    const from = searchBound(start, length);
    const to = Math.min(searchBound(stop, length), length);
    for (let i = from; i < to; i++) if (pyEquals(this.referent[i], value)) return i;
    throw new ValueError(`${pyRepr(value)} is not in list`);
  }

  count(value: unknown): number {
    return this.referent.reduce<number>((total, item) => (pyEquals(item, value) ? total + 1 : total), 0);
  }

  reverse(): void {
    this.referent.reverse();
  }

  /**
   * Stable in-place sort by Python's `<` (see pyCompare); keyword arguments only, as Python.
   * TypeError for mixed unorderable types, leaving the list unchanged.
   */
  sort(keywords?: SortKeywords, ...extra: unknown[]): void {
    const reverse = sortReverseFlag(keywords, extra.length);
    const sorted = pySorted(this.referent, reverse);
    for (let i = 0; i < sorted.length; i++) this.referent[i] = sorted[i];
  }

  clear(): void {
    this.referent.length = 0;
  }

  copy(): unknown[] {
    return this.referent.slice();
  }
}

function listIndex(index: unknown): number {
  const integer = asPyInteger(index);
  if (integer === undefined) {
    throw new TypeError(`list indices must be integers or slices, not ${pyTypeName(index)}`);
  }
  return integer;
}

/** An integer positional argument (pop, insert, `*`): Python's "cannot be interpreted as an integer". */
function integerArgument(value: unknown): number {
  const integer = asPyInteger(value);
  if (integer === undefined) {
    throw new TypeError(`'${pyTypeName(value)}' object cannot be interpreted as an integer`);
  }
  return integer;
}

/** `index()`'s start/stop: negative counts from the end, then clamped at 0. */
function searchBound(value: unknown, length: number): number {
  const integer = asPyInteger(value);
  if (integer === undefined) throw new TypeError('slice indices must be integers or have an __index__ method');
  return integer < 0 ? Math.max(integer + length, 0) : integer;
}

function repeatCount(count: unknown): number {
  const integer = asPyInteger(count);
  if (integer === undefined) throw new TypeError(`can't multiply sequence by non-int of type '${pyTypeName(count)}'`);
  return integer;
}

function repeated(items: readonly unknown[], count: number): unknown[] {
  if (count <= 0 || items.length === 0) return [];
  if (items.length * count > MAX_ARRAY_LENGTH) {
    throw new RangeError("cannot fit 'int' into an index-sized integer");
  }
  if (items.length * count > MAX_ITEMS_PER_CALL) {
    throw new RangeError(`the result would hold ${items.length * count} items, more than the ${MAX_ITEMS_PER_CALL} one call may create`);
  }
  // A million copies of a 1 KiB string is only a million pointers here, but a 1 GiB reply.
  checkRepeatedSize(items, count, `a list of ${count} copies of ${items.length} item(s)`);
  const result = new Array<unknown>(items.length * count);
  for (let copy = 0; copy < count; copy++) {
    for (let i = 0; i < items.length; i++) result[copy * items.length + i] = items[i];
  }
  return result;
}

function sortReverseFlag(keywords: unknown, extraArguments: number): boolean {
  if (keywords === undefined || keywords === null) return false;
  if (extraArguments > 0 || !isPlainObject(keywords)) throw new TypeError('sort() takes no positional arguments');
  for (const name of Object.keys(keywords)) {
    if (name !== 'reverse' && name !== 'key') throw new TypeError(`'${name}' is an invalid keyword argument for sort()`);
  }
  if (keywords.key !== undefined && keywords.key !== null) {
    throw new TypeError("sort() keyword 'key' is not supported: a key function cannot cross the wire");
  }
  const reverse = keywords.reverse;
  if (reverse === undefined || reverse === null) return false;
  if (typeof reverse === 'boolean') return reverse;
  const integer = asPyInteger(reverse);
  if (integer === undefined) throw new TypeError(`'${pyTypeName(reverse)}' object cannot be interpreted as an integer`);
  return integer !== 0;
}
