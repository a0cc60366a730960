// Every msgpack extension type of the protocol, in one place: the ids, which of them carry a nested
// msgpack payload, and the one extension codec that writes and reads them all.
//
// How JavaScript values travel (anything not listed here is plain msgpack). Payloads in brackets are
// one msgpack array; layouts in detail: refPayload.ts, errorPayload.ts, bigintPayload.ts.
//   value                                   ext (id)             payload
//   a reference (RefHooks.toWire claims it)  REF (0)              [typeid, address, id, exposed?, kind?, foreign?]
//   Error                                   ERROR (1)            [name, message, stack, fields, cause]
//   bigint                                  BIGINT (2)           sign byte + big-endian magnitude (raw bytes)
//   Map                                     MAP (3)              [[key, value], ...]
//   Set                                     SET (4)              [value, ...]
//   Slice                                   SLICE (5)            [start, stop, step]
//   object with an own `__proto__` key       UNSAFE_OBJECT (6)    [[key, value], ...]
//   Date                                    msgpack timestamp (-1)
//   Uint8Array, Buffer, other typed arrays  bin; decoded as a fresh Uint8Array of the same bytes (the
//                                           element type and byte order of other typed arrays are lost)
//   undefined                               nil; decoded as null (also as an object's property value)
//   other objects and class instances       map of their own enumerable properties (the class is lost;
//                                           a null-prototype object comes back with Object.prototype)
//   function, symbol, Promise, WeakMap,     not encodable: TypeError (invalid Date too)
//   WeakSet, ArrayBuffer, SharedArrayBuffer
import createDebug from 'debug';
import { decodeTimestampExtension, encodeTimestampExtension, ExtData } from '@msgpack/msgpack';
import type { ExtensionCodecType } from '@msgpack/msgpack';
import { ProtocolError, TypeError as PyTypeError, ValueError } from '../errors.js';
import { Token } from '../protocol.js';
import { Slice } from './slice.js';
import { bigintFromBytes, bigintToBytes } from './bigintPayload.js';
import { errorFromPayload, errorToPayload } from './errorPayload.js';
import { refFromPayload, refToPayload } from './refPayload.js';
import type { RefHooks } from './codec.js';

const log = createDebug('mpmanagers:codec');

/** Extension type ids. msgpack reserves the negative ones for itself (-1 is its timestamp). */
export const enum ExtType {
  Timestamp = -1,
  Ref = 0,
  Error = 1,
  BigInt = 2,
  Map = 3,
  Set = 4,
  Slice = 5,
  UnsafeObject = 6,
}

/**
 * 'array': the payload is one msgpack array that stands for the extension itself (it counts as
 * one level of nesting, and its elements one level deeper); 'opaque': raw bytes; undefined: not
 * a type of this protocol.
 */
export function extensionPayloadKind(type: number): 'array' | 'opaque' | undefined {
  switch (type as ExtType) {
    case ExtType.Timestamp:
    case ExtType.BigInt:
      return 'opaque';
    case ExtType.Ref:
    case ExtType.Error:
    case ExtType.Map:
    case ExtType.Set:
    case ExtType.Slice:
    case ExtType.UnsafeObject:
      return 'array';
    default:
      return undefined;
  }
}

/**
 * Where one msgpack Encoder or Decoder works: level 0 on whole messages, level n on the payloads of
 * extensions nested n deep (each level has its own Encoder and Decoder, reused).
 */
export interface Level {
  readonly index: number;
  /** The depth, in the whole message, of what this level's Encoder sees at its own depth 0. */
  base: number;
  /** The Encoder's own depth of the object it is encoding now (see observeObjectDepth). */
  depth: number;
}

/** The nested payloads of extensions, encoded and decoded by the next level's Encoder and Decoder. */
export interface PayloadCoder {
  /** Encodes `payload`, the array standing for an extension found at depth `depth`. */
  encodePayload(payload: unknown[], from: Level, depth: number): Uint8Array;
  /** Decodes a payload that the message scan has already checked to be one array. */
  decodePayload(data: Uint8Array, from: Level): unknown[];
}

/** The extension codec shared by all the Encoders and Decoders of one Codec. */
export class WireExtensions implements ExtensionCodecType<Level> {
  constructor(
    private readonly hooks: RefHooks | undefined,
    private readonly maxDepth: number,
    private readonly payloads: PayloadCoder,
  ) {}

  /** Called by the Encoder for every non-primitive value, and for bigints, functions and symbols. */
  tryToEncode(value: unknown, level: Level): ExtData | null {
    const depth = level.base + level.depth;
    if (typeof value === 'bigint') return new ExtData(ExtType.BigInt, bigintToBytes(value));
    if (typeof value !== 'object' && typeof value !== 'function') throw notEncodable(value);
    const ref = this.hooks?.toWire(value as object);
    if (ref !== undefined) return this.container(ExtType.Ref, refToPayload(ref), level, depth);
    if (typeof value === 'function') throw notEncodable(value);
    if (Array.isArray(value)) {
      this.checkDepth(depth);
      return null;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.plainObject(value as object, level, depth);
    if (ArrayBuffer.isView(value)) return null; // bin
    if (value instanceof Date) return new ExtData(ExtType.Timestamp, encodeDate(value));
    if (value instanceof Error) return this.error(value, level, depth);
    if (value instanceof Map) return this.container(ExtType.Map, [...value], level, depth);
    if (value instanceof Set) return this.container(ExtType.Set, [...value], level, depth);
    if (value instanceof Slice) return this.container(ExtType.Slice, [value.start ?? null, value.stop ?? null, value.step ?? null], level, depth);
    if (isUnencodableObject(value)) throw notEncodable(value);
    return this.plainObject(value as object, level, depth);
  }

  /** Called by the Decoder for every extension; the message scan has already checked the framing. */
  decode(data: Uint8Array, type: number, level: Level): unknown {
    switch (type as ExtType) {
      case ExtType.Timestamp:
        return decodeTimestampExtension(data);
      case ExtType.BigInt:
        return bigintFromBytes(data);
      case ExtType.Ref:
        return this.refFromPayload(this.payloads.decodePayload(data, level));
      case ExtType.Error:
        return errorFromPayload(this.payloads.decodePayload(data, level));
      case ExtType.Map:
        return mapFromPayload(this.payloads.decodePayload(data, level));
      case ExtType.Set:
        return new Set(this.payloads.decodePayload(data, level));
      case ExtType.Slice:
        return sliceFromPayload(this.payloads.decodePayload(data, level));
      case ExtType.UnsafeObject:
        return objectFromEntries(this.payloads.decodePayload(data, level));
      default:
        throw new ProtocolError(`unknown extension type ${type}`);
    }
  }

  private refFromPayload(payload: unknown[]): unknown {
    const ref = refFromPayload(payload);
    if (this.hooks === undefined) return new Token(ref.typeid, ref.address, ref.id);
    return this.hooks.fromWire(ref);
  }

  /** Plain msgpack map, unless it has an own `__proto__` key, which msgpack refuses to decode. */
  private plainObject(value: object, level: Level, depth: number): ExtData | null {
    if (!Object.prototype.propertyIsEnumerable.call(value, '__proto__')) {
      this.checkDepth(depth);
      return null;
    }
    return this.container(ExtType.UnsafeObject, Object.entries(value), level, depth);
  }

  /** An error whose fields cannot be encoded still goes out, without its fields. */
  private error(error: Error, level: Level, depth: number): ExtData {
    try {
      return this.container(ExtType.Error, errorToPayload(error, true), level, depth);
    } catch (reason) {
      log('sending %s without its fields, which cannot be encoded: %O', error.name, reason);
      return this.container(ExtType.Error, errorToPayload(error, false), level, depth);
    }
  }

  private container(type: ExtType, payload: unknown[], level: Level, depth: number): ExtData {
    this.checkDepth(depth);
    return new ExtData(type, this.payloads.encodePayload(payload, level, depth));
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      throw new ValueError(`cannot encode a value nested deeper than maxDepth (${this.maxDepth}): is it circular?`);
    }
  }
}

function encodeDate(date: Date): Uint8Array {
  if (Number.isNaN(date.getTime())) throw new PyTypeError('cannot encode an invalid Date');
  return encodeTimestampExtension(date)!;
}

function isUnencodableObject(value: unknown): boolean {
  return (
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer
  );
}

function notEncodable(value: unknown): PyTypeError {
  const what = typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
  const hint = value instanceof Promise ? ' (a missing await?)' : '';
  return new PyTypeError(`cannot encode ${what}${hint}`);
}

function mapFromPayload(entries: unknown[]): Map<unknown, unknown> {
  if (!entries.every(isPair)) throw new ProtocolError('bad Map payload: not [key, value] pairs');
  return new Map(entries);
}

function sliceFromPayload(payload: unknown[]): Slice {
  if (payload.length !== 3 || !payload.every((part) => part === null || typeof part === 'number')) {
    throw new ProtocolError('bad Slice payload: not [start, stop, step] numbers or nil');
  }
  const [start, stop, step] = payload;
  return new Slice(start, stop, step);
}

/** defineProperty, never assignment: `__proto__` becomes an own data property, no prototype changes. */
function objectFromEntries(entries: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!isPair(entry) || typeof entry[0] !== 'string') throw new ProtocolError('bad object payload: not [key, value] pairs');
    Object.defineProperty(object, entry[0], { value: entry[1], writable: true, enumerable: true, configurable: true });
  }
  return object;
}

function isPair(entry: unknown): entry is [unknown, unknown] {
  return Array.isArray(entry) && entry.length === 2;
}
