// Python's array/ctypes typecodes, enforced (CPython's managers.Value ignores its typecode; we do
// not): a value that does not fit is refused instead of stored. Integer ranges are those of
// 64-bit Linux (C long is 64 bits). Error messages are CPython's; where CPython raises
// OverflowError we raise RangeError with its message.
import { RangeError, TypeError, ValueError } from '../../errors.js';
import { pyTypeName } from './pyTypes.js';

/** Every accepted typecode: array's `b B u h H i I l L q Q f d`, plus ctypes' `c` (char) and `?` (bool). */
export const TYPECODES: readonly string[] = Object.freeze(['b', 'B', 'c', 'u', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd', '?']);

/** Returns the typecode if known; ValueError('bad typecode ...') otherwise, TypeError if not a string. */
export function checkTypecode(typecode: unknown): string {
  if (typeof typecode !== 'string') {
    throw new TypeError(`typecode must be a unicode character, not ${pyTypeName(typecode)}`);
  }
  if (!TYPECODES.includes(typecode)) {
    throw new ValueError('bad typecode (must be b, B, c, u, h, H, i, I, l, L, q, Q, f, d or ?)');
  }
  return typecode;
}

/**
 * Checks `value` against `typecode` and returns the form to store:
 * - integer codes: a JS integer or a bigint within the C type's range (TypeError for anything else,
 *   RangeError when out of range). A bigint is stored as given for l/L/q/Q (which exceed 2^53) and
 *   as a number for the smaller codes.
 * - `f`, `d`: a number (or bigint, converted); `f` stores Math.fround(value).
 * - `c`: a one-byte Uint8Array, a one-character string with code < 256, or an integer 0..255
 *   (as ctypes' c_char); stored as a new Uint8Array(1).
 * - `u`: a one-character string (one code point).
 * - `?`: a boolean.
 */
export function checkTypecodeValue(typecode: string, value: unknown): unknown {
  const range = INTEGER_RANGES[checkTypecode(typecode)];
  if (range !== undefined) return checkInteger(range, value);
  switch (typecode) {
    case 'f':
      return Math.fround(checkReal(value));
    case 'd':
      return checkReal(value);
    case 'c':
      return checkChar(value);
    case 'u':
      if (typeof value === 'string' && value !== '' && [...value].length === 1) return value;
      throw new TypeError('array item must be unicode character');
    default:
      if (typeof value === 'boolean') return value;
      throw new TypeError(`a bool is required, not '${pyTypeName(value)}'`);
  }
}

/** The value a new array of `typecode` is filled with (Python's zeros). */
export function zeroValue(typecode: string): unknown {
  switch (checkTypecode(typecode)) {
    case 'c':
      return new Uint8Array(1);
    case 'u':
      return '\0';
    case '?':
      return false;
    default:
      return 0;
  }
}

interface IntegerRange {
  min: bigint;
  max: bigint;
  /** Whether values are kept as given (bigint stays bigint): the range exceeds 2^53. */
  wide: boolean;
  tooSmall: string;
  tooLarge: string;
}

const INTEGER_RANGES: Readonly<Record<string, IntegerRange>> = {
  b: narrow(-(2n ** 7n), 2n ** 7n - 1n, 'signed char is less than minimum', 'signed char is greater than maximum'),
  B: narrow(0n, 2n ** 8n - 1n, 'unsigned byte integer is less than minimum', 'unsigned byte integer is greater than maximum'),
  h: narrow(-(2n ** 15n), 2n ** 15n - 1n, 'signed short integer is less than minimum', 'signed short integer is greater than maximum'),
  H: narrow(0n, 2n ** 16n - 1n, 'unsigned short is less than minimum', 'unsigned short is greater than maximum'),
  i: narrow(-(2n ** 31n), 2n ** 31n - 1n, 'signed integer is less than minimum', 'signed integer is greater than maximum'),
  I: narrow(0n, 2n ** 32n - 1n, "can't convert negative value to unsigned int", 'unsigned int is greater than maximum'),
  l: wide(-(2n ** 63n), 2n ** 63n - 1n, 'Python int too large to convert to C long', 'Python int too large to convert to C long'),
  L: wide(0n, 2n ** 64n - 1n, "can't convert negative value to unsigned int", 'Python int too large to convert to C unsigned long'),
  q: wide(-(2n ** 63n), 2n ** 63n - 1n, 'int too big to convert', 'int too big to convert'),
  Q: wide(0n, 2n ** 64n - 1n, "can't convert negative int to unsigned", 'int too big to convert'),
};

function narrow(min: bigint, max: bigint, tooSmall: string, tooLarge: string): IntegerRange {
  return { min, max, wide: false, tooSmall, tooLarge };
}

function wide(min: bigint, max: bigint, tooSmall: string, tooLarge: string): IntegerRange {
  return { min, max, wide: true, tooSmall, tooLarge };
}

function checkInteger(range: IntegerRange, value: unknown): number | bigint {
  const isInteger = typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
  if (!isInteger) throw new TypeError(`an integer is required (got type ${pyTypeName(value)})`);
  // An integral double converts to bigint exactly, so the bounds check is exact too.
  const exact = BigInt(value);
  if (exact < range.min) throw new RangeError(range.tooSmall);
  if (exact > range.max) throw new RangeError(range.tooLarge);
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  return range.wide ? value : Number(value);
}

function checkReal(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new TypeError(`must be real number, not ${pyTypeName(value)}`);
}

function checkChar(value: unknown): Uint8Array {
  if (value instanceof Uint8Array && value.length === 1) return Uint8Array.of(value[0]);
  if (typeof value === 'string' && value.length === 1 && value.charCodeAt(0) < 256) {
    return Uint8Array.of(value.charCodeAt(0));
  }
  const isByteValue = (typeof value === 'number' || typeof value === 'bigint') && value >= 0 && value <= 255;
  if (isByteValue && Number.isInteger(Number(value))) return Uint8Array.of(Number(value));
  throw new TypeError('one character bytes, bytearray or integer expected');
}
