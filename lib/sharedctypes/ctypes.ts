// How each element type is laid out in shared memory and read and written: Python's typecodes
// (checked as the manager's Value checks them, lib/server/adapters/typecodes.ts) and Structures.
// Memory is accessed through a DataView, little-endian (every thread of a process agrees).
import { checkTypecode, checkTypecodeValue } from '../server/adapters/typecodes.js';
import { TypeError as PyTypeError } from '../errors.js';

/** An element type: a typecode (`'i'`, `'d'`, `'c'`, `'?'`...), a ctypes name (`'c_double'`), or a Structure class. */
export type CTypeSpec = string | StructureClass;

/** A Structure subclass (see structure.ts); typed loosely here to keep this file below it. */
export interface StructureClass {
  new (...args: any[]): object;
  readonly _fields_: readonly (readonly [string, string])[];
  readonly name: string;
}

export interface CType {
  /** Bytes per element, and their alignment. */
  readonly size: number;
  readonly align: number;
  /** The typecode, or the Structure class. */
  readonly spec: string | StructureClass;
  read(view: DataView, offset: number): unknown;
  write(view: DataView, offset: number, value: unknown): void;
}

/** ctypes names a Python program uses, as typecodes. */
const CTYPES_NAMES: Readonly<Record<string, string>> = {
  c_byte: 'b', c_ubyte: 'B', c_char: 'c', c_wchar: 'u', c_short: 'h', c_ushort: 'H', c_int: 'i', c_uint: 'I',
  c_long: 'l', c_ulong: 'L', c_longlong: 'q', c_ulonglong: 'Q', c_float: 'f', c_double: 'd', c_bool: '?',
  c_int8: 'b', c_uint8: 'B', c_int16: 'h', c_uint16: 'H', c_int32: 'i', c_uint32: 'I', c_int64: 'q', c_uint64: 'Q',
};

const LE = true;

/** A 64-bit integer as a number when it is exactly one, else as a bigint. */
function fromWide(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function scalar(spec: string, size: number, read: CType['read'], write: (view: DataView, offset: number, checked: any) => void): CType {
  return { spec, size, align: size, read, write: (view, offset, value) => write(view, offset, checkTypecodeValue(spec, value)) };
}

const SCALARS: Readonly<Record<string, CType>> = {
  b: scalar('b', 1, (v, o) => v.getInt8(o), (v, o, x: number) => v.setInt8(o, x)),
  B: scalar('B', 1, (v, o) => v.getUint8(o), (v, o, x: number) => v.setUint8(o, x)),
  c: scalar('c', 1, (v, o) => Buffer.of(v.getUint8(o)), (v, o, x: Uint8Array) => v.setUint8(o, x[0])),
  '?': scalar('?', 1, (v, o) => v.getUint8(o) !== 0, (v, o, x: boolean) => v.setUint8(o, x ? 1 : 0)),
  h: scalar('h', 2, (v, o) => v.getInt16(o, LE), (v, o, x: number) => v.setInt16(o, x, LE)),
  H: scalar('H', 2, (v, o) => v.getUint16(o, LE), (v, o, x: number) => v.setUint16(o, x, LE)),
  i: scalar('i', 4, (v, o) => v.getInt32(o, LE), (v, o, x: number) => v.setInt32(o, x, LE)),
  I: scalar('I', 4, (v, o) => v.getUint32(o, LE), (v, o, x: number) => v.setUint32(o, x, LE)),
  u: scalar('u', 4, (v, o) => String.fromCodePoint(v.getUint32(o, LE)), (v, o, x: string) => v.setUint32(o, x.codePointAt(0)!, LE)),
  l: scalar('l', 8, (v, o) => fromWide(v.getBigInt64(o, LE)), (v, o, x: number | bigint) => v.setBigInt64(o, BigInt(x), LE)),
  q: scalar('q', 8, (v, o) => fromWide(v.getBigInt64(o, LE)), (v, o, x: number | bigint) => v.setBigInt64(o, BigInt(x), LE)),
  L: scalar('L', 8, (v, o) => fromWide(v.getBigUint64(o, LE)), (v, o, x: number | bigint) => v.setBigUint64(o, BigInt(x), LE)),
  Q: scalar('Q', 8, (v, o) => fromWide(v.getBigUint64(o, LE)), (v, o, x: number | bigint) => v.setBigUint64(o, BigInt(x), LE)),
  f: scalar('f', 4, (v, o) => v.getFloat32(o, LE), (v, o, x: number) => v.setFloat32(o, x, LE)),
  d: scalar('d', 8, (v, o) => v.getFloat64(o, LE), (v, o, x: number) => v.setFloat64(o, x, LE)),
};

/** The typecode of a typecode or ctypes name; ValueError/TypeError as the manager's Value for a bad one. */
export function typecodeOf(spec: string): string {
  return checkTypecode(CTYPES_NAMES[spec] ?? spec);
}

/** The element type of a spec. Structures are laid out by `structureType` (structure.ts registers it). */
export function ctypeOf(spec: CTypeSpec): CType {
  if (typeof spec === 'string') return SCALARS[typecodeOf(spec)];
  if (typeof spec === 'function' && structureType !== undefined && Array.isArray((spec)._fields_)) return structureType(spec);
  throw new PyTypeError(`a sharedctypes type is a typecode ('i', 'd', 'c', '?'...) or a Structure class, not ${String(spec)}`);
}

let structureType: ((cls: StructureClass) => CType) | undefined;

/** Called once by structure.ts: how Structure classes are laid out. */
export function registerStructureLayout(layout: (cls: StructureClass) => CType): void {
  structureType = layout;
}
