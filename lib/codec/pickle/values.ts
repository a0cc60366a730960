// The JavaScript forms of the Python values that have no exact JavaScript counterpart. The whole
// mapping (both directions) is listed in docs/protocol.md, "Pickle mode":
//   None ↔ null (undefined is written as None too) · bool ↔ boolean
//   int ↔ number when |n| <= 2^53, else bigint (a bigint is written as int whatever its size)
//   float ↔ number (a number is written as int when it is an integer of at most 2^53, else float)
//   str ↔ string · bytes ↔ Uint8Array · bytearray ↔ PyByteArray (a Uint8Array)
//   tuple ↔ frozen Array (Object.isFrozen; `tuple(...)` makes one) · list ↔ Array
//   dict ↔ plain object when every key is a string, else Map (both are written as dict)
//   set ↔ Set · frozenset ↔ frozen Set · slice ↔ Slice · Token ↔ Token
//   array.array → Array of its items; PyArray → array.array (what a server returns for an ArrayProxy)
//   exceptions ↔ the Error classes of lib/errors.ts (others: RemoteError with the Python name)

/**
 * Python's array.array, written as `array.array(typecode, [items])`: what a CPython manager's
 * ArrayProxy gets for a slice or `_getvalue()`, so a pickle-mode server returns one there.
 */
export class PyArray {
  constructor(
    readonly typecode: string,
    readonly items: readonly unknown[],
  ) {}
}

/** Python's bytearray: a Uint8Array that pickles as `bytearray` rather than `bytes`. */
export class PyByteArray extends Uint8Array {}

/** A Python tuple: a frozen array. Arrays that are not frozen are written as lists. */
export function tuple<T>(...items: T[]): readonly T[] {
  return Object.freeze(items);
}

export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

/** A Python frozenset: a frozen Set (Object.isFrozen; its contents are not enforced read-only). */
export function frozenset<T>(items: Iterable<T> = []): ReadonlySet<T> {
  return Object.freeze(new Set(items));
}
