// A fast decoder for the messages nearly every call sends and receives: arrays of nil, booleans,
// integers of up to 32 bits, float64s and ASCII strings (a request is [0, id, objectId, method,
// [args], kwargs], a reply [1, id, kind, value]). In one pass it checks what scanMessage checks
// (the limits on strings, arrays, depth and objects, truncation, trailing bytes) and builds what
// the msgpack Decoder would build, without their two passes and the Decoder's per-message costs (a
// DataView of the input, a state stack): together, most of a small call's decoding.
//
// It gives up (NOT_FLAT) at the first thing it does not handle (a map, bin, extension, 64-bit
// integer, non-ASCII short string, deep nesting) and at anything the scan would refuse: the message
// then goes through the scan and the msgpack Decoder, as it always did, which decode it or raise
// the scan's ProtocolError. So it never accepts what the scan refuses, and nothing it builds before
// giving up is kept. An array is allocated only once its elements are known to fit in the bytes
// left (each takes one byte at least), as the scan guarantees for the Decoder.
//
// It also hands out the same string for the object id and the method name of a request each time
// the same bytes come: property and Set lookups by a string seen before are several times faster
// than by a fresh one (the server looks the method up in the exposed set and on the target).
import type { ScanLimits } from './scan.js';
import { OBJECTS_ALWAYS_ALLOWED } from './scan.js';

/** What decodeFlat returns for a message it leaves to the msgpack Decoder. */
export const NOT_FLAT: unique symbol = Symbol('not flat');

/** Strings of up to this many bytes are decoded here (ASCII only); longer ones by TextDecoder, as msgpack does. */
const SHORT_STRING_MAX = 200;
/**
 * Strings of up to this many bytes are built by concatenation (V8 makes them flat); longer ones in
 * one piece, as concatenating them would leave a chain of pieces in memory until first used.
 */
const CONCATENATED_MAX = 12;
/** Deepest nesting of arrays decoded here (recursion): deeper messages go to the msgpack Decoder. */
const DEPTH_MAX = 16;
/** The top-level elements whose short strings are remembered: a request's object id and method name. */
const REMEMBERED_FROM = 2;
const REMEMBERED_TO = 3;
/** Strings of up to this many bytes are remembered (fixstr: 31 at most), one per position and length. */
const REMEMBERED_MAX = 31;

const EMPTY = new Uint8Array(0);
/** As msgpack's own (a default TextDecoder, which also drops a leading byte order mark). */
const textDecoder = new TextDecoder();
/** A big-endian float64 is read by copying its bytes here, in the machine's order. */
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A string remembered for one top-level position and length, with the bytes it was decoded from. */
interface Remembered {
  bytes: Uint8Array;
  length: number;
  value: string;
}

class FlatDecoder {
  private bytes: Uint8Array = EMPTY;
  private pos = 0;
  private limits: ScanLimits | undefined;
  /** Arrays this message may still decode to (scanMessage's object budget: only arrays are flat). */
  private objectsLeft = 0;
  /** By position, then by length: a set and a get alternating ('__setitem__', 'get') both stay. */
  private readonly remembered: Remembered[][] = [];

  constructor() {
    for (let i = 0; i <= REMEMBERED_TO; i++) {
      this.remembered.push(Array.from({ length: REMEMBERED_MAX + 1 }, () => ({ bytes: new Uint8Array(REMEMBERED_MAX), length: -1, value: '' })));
    }
  }

  /** The message in `bytes`, or NOT_FLAT. */
  decode(bytes: Uint8Array, limits: ScanLimits): unknown {
    this.bytes = bytes;
    this.pos = 0;
    this.limits = limits;
    const proportional = limits.bytesPerObject > 0 ? OBJECTS_ALWAYS_ALLOWED + Math.floor(bytes.length / limits.bytesPerObject) : Infinity;
    this.objectsLeft = Math.min(limits.maxObjects, proportional);
    try {
      const head = bytes[0];
      // Only a top-level array (every message is one): its elements may be remembered strings.
      let value: unknown;
      if (head >= 0x90 && head <= 0x9f) {
        this.pos = 1;
        value = this.array(head & 0x0f, 1, true);
      } else value = this.value(0);
      // Reading past the end (which the scan rules out) would show here, as would trailing bytes.
      return this.pos === bytes.length ? value : NOT_FLAT;
    } finally {
      this.bytes = EMPTY; // the message is not kept alive
      this.limits = undefined;
    }
  }

  private value(depth: number): unknown {
    const bytes = this.bytes;
    const head = bytes[this.pos++];
    if (head <= 0x7f) return head; // positive fixint
    if (head >= 0xe0) return head - 0x100; // negative fixint
    if (head >= 0xa0 && head <= 0xbf) return this.string(head & 0x1f);
    if (head >= 0x90 && head <= 0x9f) return this.array(head & 0x0f, depth + 1, false);
    const at = this.pos;
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcc: // uint 8
        this.pos = at + 1;
        return bytes[at];
      case 0xcd: // uint 16
        this.pos = at + 2;
        return (bytes[at] << 8) | bytes[at + 1];
      case 0xce: // uint 32
        this.pos = at + 4;
        return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
      case 0xd0: // int 8
        this.pos = at + 1;
        return (bytes[at] << 24) >> 24;
      case 0xd1: // int 16
        this.pos = at + 2;
        return (((bytes[at] << 8) | bytes[at + 1]) << 16) >> 16;
      case 0xd2: // int 32
        this.pos = at + 4;
        return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
      case 0xcb: // float 64
        return this.float64();
      case 0xd9: // str 8
        this.pos = at + 1;
        return this.string(bytes[at]);
      case 0xda: // str 16
        this.pos = at + 2;
        return this.string((bytes[at] << 8) | bytes[at + 1]);
      case 0xdb: // str 32
        this.pos = at + 4;
        return this.string(bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]));
      case 0xdc: // array 16
        this.pos = at + 2;
        return this.array((bytes[at] << 8) | bytes[at + 1], depth + 1, false);
      default:
        return NOT_FLAT;
    }
  }

  /** An array of `size` elements at `depth` (the message is at depth 1), its head read. */
  private array(size: number, depth: number, topLevel: boolean): unknown {
    // The scan's checks, in its order: length, depth, the object budget, then the elements' bytes.
    const limits = this.limits!;
    if (size > limits.maxArrayLength || depth > limits.maxDepth || depth > DEPTH_MAX || --this.objectsLeft < 0) return NOT_FLAT;
    if (size === 0) return [];
    if (size > this.bytes.length - this.pos) return NOT_FLAT;
    // As the msgpack Decoder builds arrays: preallocated, filled in order.
    const array = new Array<unknown>(size);
    for (let i = 0; i < size; i++) {
      let value: unknown;
      if (topLevel && i >= REMEMBERED_FROM && i <= REMEMBERED_TO) value = this.rememberedString(i, depth);
      else value = this.value(depth);
      if (value === NOT_FLAT) return NOT_FLAT;
      array[i] = value;
    }
    return array;
  }

  /** A top-level element: a fixstr equal to the last one of its length seen here comes back as that string. */
  private rememberedString(index: number, depth: number): unknown {
    const bytes = this.bytes;
    const head = bytes[this.pos];
    if (!(head >= 0xa0 && head <= 0xbf)) return this.value(depth);
    const length = head - 0xa0;
    const start = this.pos + 1;
    const slot = this.remembered[index][length];
    if (slot.length === length && length <= this.limits!.maxStrLength) {
      const known = slot.bytes;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (known[i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same && start + length <= bytes.length) {
        this.pos = start + length;
        return slot.value;
      }
    }
    const value = this.value(depth);
    if (typeof value === 'string') {
      slot.bytes.set(bytes.subarray(start, start + length));
      slot.length = length;
      slot.value = value;
    }
    return value;
  }

  private string(length: number): unknown {
    const bytes = this.bytes;
    const start = this.pos;
    const end = start + length;
    if (end > bytes.length || length > this.limits!.maxStrLength) return NOT_FLAT;
    this.pos = end;
    if (length > SHORT_STRING_MAX) return textDecoder.decode(bytes.subarray(start, end));
    // msgpack decodes short strings with its own UTF-8 decoder: non-ASCII ones are left to it.
    if (length > CONCATENATED_MAX) {
      for (let i = start; i < end; i++) if (bytes[i] > 0x7f) return NOT_FLAT;
      return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
    }
    let text = '';
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte > 0x7f) return NOT_FLAT;
      text += String.fromCharCode(byte);
    }
    return text;
  }

  private float64(): number {
    const bytes = this.bytes;
    const at = this.pos;
    this.pos = at + 8;
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) float64Bytes[i] = bytes[at + 7 - i];
    else for (let i = 0; i < 8; i++) float64Bytes[i] = bytes[at + i];
    return float64[0];
  }
}

const decoder = new FlatDecoder();

/**
 * The message in `bytes` if it is flat and scanMessage would accept it under `limits`, else
 * NOT_FLAT: then scan it and decode it with the msgpack Decoder. Never throws; does not re-enter.
 */
export function decodeFlat(bytes: Uint8Array, limits: ScanLimits): unknown {
  return decoder.decode(bytes, limits);
}
