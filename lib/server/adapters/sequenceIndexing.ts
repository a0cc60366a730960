// Python's sequence indexing over a JS array, shared by ListAdapter and SharedArray: negative
// indices, slices with any step (`slice.indices()`), slice assignment and deletion.
import { Slice } from '../../codec/slice.js';
import { IndexError, TypeError, ValueError } from '../../errors.js';
import { asPyInteger } from './pyTypes.js';

/** A slice resolved against a length, as Python's `slice.indices(len)` plus the item count. */
export interface SliceRange {
  start: number;
  stop: number;
  step: number;
  count: number;
}

/** `seq[i]`'s position for an integer i (negative counts from the end); IndexError(message) if out of range. */
export function itemPosition(index: number, length: number, outOfRangeMessage: string): number {
  const position = index < 0 ? index + length : index;
  if (position < 0 || position >= length) throw new IndexError(outOfRangeMessage);
  return position;
}

/** Python's `slice.indices(length)`, with the number of items the slice selects. */
export function resolveSlice(slice: Slice, length: number): SliceRange {
  const step = slice.step === null || slice.step === undefined ? 1 : sliceBound(slice.step);
  if (step === 0) throw new ValueError('slice step cannot be zero');
  const [lower, upper] = step < 0 ? [-1, length - 1] : [0, length];
  const clamp = (bound: number | null | undefined, fallback: number): number => {
    if (bound === null || bound === undefined) return fallback;
    const value = sliceBound(bound);
    const fromStart = value < 0 ? value + length : value;
    return Math.min(Math.max(fromStart, lower), upper);
  };
  const start = clamp(slice.start, step < 0 ? upper : lower);
  const stop = clamp(slice.stop, step < 0 ? lower : upper);
  let count = 0;
  if (step > 0 && start < stop) count = Math.floor((stop - start - 1) / step) + 1;
  if (step < 0 && stop < start) count = Math.floor((start - stop - 1) / -step) + 1;
  return { start, stop, step, count };
}

/** `seq[slice]`: a new array. */
export function sliceItems<T>(items: readonly T[], slice: Slice): T[] {
  const { start, stop, step, count } = resolveSlice(slice, items.length);
  if (step === 1) return items.slice(start, stop);
  const selected: T[] = new Array<T>(count);
  for (let i = 0; i < count; i++) selected[i] = items[start + i * step]!;
  return selected;
}

/**
 * `seq[slice] = values` in place. A step-1 slice may change the length; an extended slice must
 * receive exactly as many values as it selects (ValueError naming `sequenceName`, as Python does).
 */
export function assignSlice<T>(items: T[], slice: Slice, values: readonly T[], sequenceName: string): void {
  const { start, stop, step, count } = resolveSlice(slice, items.length);
  if (step === 1) {
    replaceRange(items, start, Math.max(stop, start), values);
    return;
  }
  if (values.length !== count) {
    throw new ValueError(
      `attempt to assign ${sequenceName} of size ${values.length} to extended slice of size ${count}`,
    );
  }
  for (let i = 0; i < count; i++) items[start + i * step] = values[i]!;
}

/** `del seq[slice]` in place. */
export function deleteSlice(items: unknown[], slice: Slice): void {
  const { start, stop, step, count } = resolveSlice(slice, items.length);
  if (step === 1) {
    replaceRange(items, start, Math.max(stop, start), []);
    return;
  }
  const doomed = new Set<number>();
  for (let i = 0; i < count; i++) doomed.add(start + i * step);
  let kept = 0;
  for (let i = 0; i < items.length; i++) if (!doomed.has(i)) items[kept++] = items[i];
  items.length = kept;
}

/** Replaces items[from..to) with `values`, without spreading (huge spreads overflow the call stack). */
export function replaceRange<T>(items: T[], from: number, to: number, values: readonly T[]): void {
  const SPREAD_LIMIT = 10_000;
  if (values.length <= SPREAD_LIMIT) {
    items.splice(from, to - from, ...values);
    return;
  }
  const tail = items.slice(to);
  items.length = from;
  for (const value of values) items.push(value);
  for (const value of tail) items.push(value);
}

function sliceBound(value: unknown): number {
  const integer = asPyInteger(value);
  if (integer === undefined) {
    throw new TypeError('slice indices must be integers or None or have an __index__ method');
  }
  return integer;
}
