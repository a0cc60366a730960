// The server-side object behind `manager.Array(typecode, items)`: Python's array.array, with every
// stored item checked against the typecode. As ArrayProxy, clients only get length and item access.
import { Slice } from '../../codec/slice.js';
import { RangeError, TypeError, ValueError } from '../../errors.js';
import { MAX_ITEMS_PER_CALL } from './pyValues.js';
import { checkResultBytes } from './resultSize.js';
import { asPyInteger, pyListOrUndefined, pyRepr, pyTypeName } from './pyValues.js';
import { assignSlice, itemPosition, sliceItems } from './sequenceIndexing.js';
import { checkTypecode, checkTypecodeValue, zeroValue } from './typecodes.js';

export const ARRAY_EXPOSED: readonly string[] = Object.freeze(['__len__', '__getitem__', '__setitem__']);

export class SharedArray {
  readonly typecode: string;
  private readonly items: unknown[];

  /**
   * `items`: the initial values (an array or other iterable; a string for 'u'), each checked against
   * the typecode; or a length, for that many zeros.
   */
  constructor(typecode: string, items: Iterable<unknown> | number) {
    this.typecode = checkTypecode(typecode);
    if (typeof items === 'number' || typeof items === 'bigint') {
      const length = asPyInteger(items);
      if (length === undefined) throw new TypeError(`'${pyTypeName(items)}' object cannot be interpreted as an integer`);
      if (length < 0) throw new ValueError('array length must be >= 0');
      if (length > MAX_ITEMS_PER_CALL) {
        throw new RangeError(`an array of ${length} items is more than the ${MAX_ITEMS_PER_CALL} one call may create`);
      }
      checkResultBytes(length * bytesPerZero(this.typecode), `an array of ${length} '${this.typecode}' items`);
      this.items = new Array<unknown>(length).fill(undefined).map(() => zeroValue(this.typecode));
      return;
    }
    const initial = pyListOrUndefined(items);
    if (initial === undefined) throw new TypeError(`'${pyTypeName(items)}' object is not iterable`);
    this.items = initial.map((item) => checkTypecodeValue(this.typecode, item));
  }

  __len__(): number {
    return this.items.length;
  }

  __getitem__(index: number | Slice): unknown {
    if (index instanceof Slice) return sliceItems(this.items, index);
    return this.items[itemPosition(arrayIndex(index), this.items.length, 'array index out of range')];
  }

  /** An item, or a slice from an iterable of values (a step-1 slice may change the length, as array.array). */
  __setitem__(index: number | Slice, value: unknown): void {
    if (index instanceof Slice) {
      const values = pyListOrUndefined(value);
      if (values === undefined) throw new TypeError(`can only assign array (not "${pyTypeName(value)}") to array slice`);
      assignSlice(this.items, index, values.map((item) => checkTypecodeValue(this.typecode, item)), 'array');
      return;
    }
    const position = itemPosition(arrayIndex(index), this.items.length, 'array assignment index out of range');
    this.items[position] = checkTypecodeValue(this.typecode, value);
  }

  /** A copy of the items as a plain array (what `_getValue()` returns). */
  getValue(): unknown[] {
    return this.items.slice();
  }

  /** `array('i', [1, 2])`, as CPython (`array('u', 'ab')` for unicode arrays). */
  __repr__(): string {
    if (this.items.length === 0) return `array(${pyRepr(this.typecode)})`;
    const body = this.typecode === 'u' ? pyRepr(this.items.join('')) : pyRepr(this.items);
    return `array(${pyRepr(this.typecode)}, ${body})`;
  }
}

function arrayIndex(index: unknown): number {
  const integer = asPyInteger(index);
  if (integer === undefined) throw new TypeError('array indices must be integers');
  return integer;
}

/**
 * What one zero item costs, in bytes: its msgpack size, except for 'c', whose every item is a
 * Uint8Array of its own (some 100 bytes of memory for 3 on the wire).
 */
function bytesPerZero(typecode: string): number {
  return typecode === 'c' ? 100 : 9;
}
