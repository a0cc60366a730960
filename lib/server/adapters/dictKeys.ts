// Which values may be dict keys, and a canonical string per key value so that equal array keys
// ([1, 'a'] sent twice by a client arrives as two different arrays) find one stored key.
import { TypeError } from '../../errors.js';
import { isDict, pyTypeName } from './pyTypes.js';

// Array keys nested deeper than this are refused (and cyclic ones cannot loop forever).
const MAX_KEY_DEPTH = 100;

/**
 * A string equal for equal keys and different otherwise: integers and bigints of one value agree
 * (1 and 1n), -0 is 0, booleans stay apart from numbers, null and undefined are both None.
 * Undefined for values that cannot be keys (anything but string, number, bigint, boolean, null,
 * or arrays of those).
 */
export function canonicalKey(key: unknown, depth = 0): string | undefined {
  switch (typeof key) {
    case 'string':
      return `s${JSON.stringify(key)}`;
    case 'number':
      return Number.isInteger(key) ? `i${BigInt(key)}` : `f${key}`;
    case 'bigint':
      return `i${key}`;
    case 'boolean':
      return key ? 'T' : 'F';
    case 'undefined':
      return 'N';
  }
  if (key === null) return 'N';
  if (!Array.isArray(key) || depth >= MAX_KEY_DEPTH) return undefined;
  const parts: string[] = [];
  for (const item of key as unknown[]) {
    const part = canonicalKey(item, depth + 1);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return `[${parts.join(',')}]`;
}

/** TypeError for a value that cannot be a dict key, worded as Python where Python refuses it too. */
export function unusableKeyError(key: unknown): TypeError {
  if (isDict(key) || key instanceof Set) return new TypeError(`unhashable type: '${pyTypeName(key)}'`);
  if (Array.isArray(key)) {
    return new TypeError('a list used as a dict key may only hold str, int, float, bool, None or lists of those');
  }
  return new TypeError(`dict keys must be str, int, float, bool, None or lists of those, not '${pyTypeName(key)}'`);
}
