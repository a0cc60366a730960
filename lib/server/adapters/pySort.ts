// Python's `list.sort(reverse=...)`: stable, ordered by pyCompare, asking only "is x < y?" in the
// order CPython's timsort asks it for short lists (so a mixed-type TypeError names the same pair
// of types as CPython). Longer lists merge sorted runs, still stably.
import { pyCompare } from './pyValues.js';

/**
 * Returns a sorted copy of `items`. With `reverse`, equal items keep their original order, as
 * Python does (reverse, stable sort, reverse). Throws TypeError for unorderable items; the input
 * is never modified, so a failed sort leaves the caller's list as it was.
 */
export function pySorted(items: readonly unknown[], reverse: boolean): unknown[] {
  const working = items.slice();
  if (reverse) working.reverse();
  const sorted = stableSort(working);
  if (reverse) sorted.reverse();
  return sorted;
}

// CPython's minimum run length for small arrays: lists shorter than this are binary-insertion sorted.
const RUN_LENGTH = 32;

function isLess(x: unknown, y: unknown): boolean {
  return pyCompare(x, y) < 0;
}

function stableSort(items: unknown[]): unknown[] {
  if (items.length < 2 * RUN_LENGTH) {
    binaryInsertionSort(items, 0, items.length, countRunAndMakeAscending(items, 0, items.length));
    return items;
  }
  for (let lo = 0; lo < items.length; lo += RUN_LENGTH) {
    const hi = Math.min(lo + RUN_LENGTH, items.length);
    binaryInsertionSort(items, lo, hi, lo + countRunAndMakeAscending(items, lo, hi));
  }
  let source = items;
  let target = new Array<unknown>(items.length);
  for (let width = RUN_LENGTH; width < items.length; width *= 2) {
    for (let lo = 0; lo < items.length; lo += 2 * width) {
      mergeRuns(source, target, lo, Math.min(lo + width, items.length), Math.min(lo + 2 * width, items.length));
    }
    [source, target] = [target, source];
  }
  return source;
}

/**
 * Length of the run at items[lo..hi), reversing it in place when it is strictly descending
 * (CPython's count_run: strictness keeps the sort stable).
 */
function countRunAndMakeAscending(items: unknown[], lo: number, hi: number): number {
  if (hi - lo < 2) return hi - lo;
  let end = lo + 2;
  if (isLess(items[lo + 1], items[lo])) {
    while (end < hi && isLess(items[end], items[end - 1])) end++;
    reverseRange(items, lo, end);
  } else {
    while (end < hi && !isLess(items[end], items[end - 1])) end++;
  }
  return end - lo;
}

/** Sorts items[lo..hi) given that items[lo..sortedEnd) is already sorted (CPython's binarysort). */
function binaryInsertionSort(items: unknown[], lo: number, hi: number, sortedEnd: number): void {
  for (let next = sortedEnd; next < hi; next++) {
    const pivot = items[next];
    let left = lo;
    let right = next;
    while (left < right) {
      const middle = left + ((right - left) >> 1);
      if (isLess(pivot, items[middle])) right = middle;
      else left = middle + 1;
    }
    for (let i = next; i > left; i--) items[i] = items[i - 1];
    items[left] = pivot;
  }
}

/** Merges source[lo..middle) and source[middle..hi) into target[lo..hi); ties go to the left run. */
function mergeRuns(source: unknown[], target: unknown[], lo: number, middle: number, hi: number): void {
  let left = lo;
  let right = middle;
  let out = lo;
  while (left < middle && right < hi) {
    target[out++] = isLess(source[right], source[left]) ? source[right++] : source[left++];
  }
  while (left < middle) target[out++] = source[left++];
  while (right < hi) target[out++] = source[right++];
}

function reverseRange(items: unknown[], lo: number, hi: number): void {
  for (let i = lo, j = hi - 1; i < j; i++, j--) [items[i], items[j]] = [items[j], items[i]];
}
