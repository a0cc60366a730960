// How large a result would be, estimated before it is built: an operation that multiplies what it
// was sent (`list * n`, `list *= n`, `Array(typecode, n)`) checks the estimate against the largest
// reply the server builds (its maxFrameSize, from the call policy) and refuses with LimitError up
// front, rather than building gigabytes first. The estimate is the msgpack size, walked with a
// budget so that it stops as soon as the answer is known.
import { LimitError } from '../../errors.js';
import { callPolicy } from '../callPolicy.js';

/** Headroom for the reply around the result (message header, request id). */
const REPLY_OVERHEAD = 16;
/** Deeper than this the walk stops adding: such values are refused by the codec anyway. */
const MAX_WALK_DEPTH = 100;

/**
 * The msgpack size of `value` in bytes, close from below (strings count one byte per UTF-16 unit),
 * or some number over `budget` as soon as the walk passes it.
 */
export function estimateEncodedBytes(value: unknown, budget = Infinity): number {
  const walk = { total: 0, budget };
  add(value, walk, 0);
  return walk.total;
}

/** The largest result the current call may produce, in bytes (the server's maxFrameSize). */
export function maxResultBytes(): number {
  return callPolicy().maxResultBytes - REPLY_OVERHEAD;
}

/** Throws LimitError if `count` copies of `items` would take more than maxResultBytes(). */
export function checkRepeatedSize(items: readonly unknown[], count: number, what: string): void {
  if (count <= 0 || items.length === 0) return;
  const limit = maxResultBytes();
  const once = estimateEncodedBytes(items, limit / count);
  checkResultBytes(once * count, what);
}

/** Throws LimitError if `bytes` (an estimate) is more than maxResultBytes(). */
export function checkResultBytes(bytes: number, what: string): void {
  const limit = maxResultBytes();
  if (bytes <= limit) return;
  throw new LimitError(
    `${what} would take some ${Math.round(bytes / 1024 / 1024)} MiB, more than the ${limit + REPLY_OVERHEAD} bytes of the server's maxFrameSize; refused before building it`,
    'maxFrameSize',
  );
}

interface Walk {
  total: number;
  budget: number;
}

function add(value: unknown, walk: Walk, depth: number): void {
  if (walk.total > walk.budget) return;
  switch (typeof value) {
    case 'string':
      walk.total += value.length + 5;
      return;
    case 'number':
    case 'bigint':
      walk.total += 9;
      return;
    case 'object':
      break;
    default:
      walk.total += 1;
      return;
  }
  if (value === null) {
    walk.total += 1;
    return;
  }
  walk.total += 5;
  if (depth >= MAX_WALK_DEPTH) return;
  if (ArrayBuffer.isView(value)) {
    walk.total += value.byteLength;
  } else if (Array.isArray(value)) {
    for (const item of value) {
      add(item, walk, depth + 1);
      if (walk.total > walk.budget) return;
    }
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      add(key, walk, depth + 1);
      add(item, walk, depth + 1);
      if (walk.total > walk.budget) return;
    }
  } else if (value instanceof Set) {
    for (const item of value) {
      add(item, walk, depth + 1);
      if (walk.total > walk.budget) return;
    }
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const key in value) {
      walk.total += key.length + 1;
      add((value as Record<string, unknown>)[key], walk, depth + 1);
      if (walk.total > walk.budget) return;
    }
  } else {
    walk.total += 16; // a reference, a Date, an error...
  }
}
