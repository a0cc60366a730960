// A fast encoder for the messages nearly every call sends: arrays (of arrays) of null, undefined,
// booleans, numbers and short ASCII strings, such as a request [0, id, objectId, method, [args],
// kwargs] or a reply [1, id, kind, value]. It writes exactly the bytes the Codec's msgpack Encoder
// writes (smallest integer width, float64 for other numbers and for -0, str 8 up to 255 bytes) and
// gives up (undefined) at the first thing it does not handle: an object, Map, Uint8Array, bigint,
// an integer beyond 32 bits, a non-ASCII or long string, deep nesting, or a message that would
// pass the Codec's maxDepth or maxMessageSize. The Codec's msgpack Encoder then encodes the whole
// message, as it always did, and raises what it raises.
//
// Plain arrays are not shown to the Codec's toWire hook here: no hook claims an array (references
// are proxies, ServerRefs, tokens: class instances).

/** Strings of up to this many UTF-16 units are encoded here (ASCII only). */
const STRING_MAX = 200;
/** Deepest nesting of arrays encoded here (recursion). */
const DEPTH_MAX = 16;
/** Messages up to this many bytes are encoded here; the buffer grows to it from INITIAL_SIZE. */
const MESSAGE_MAX = 8 * 1024;
const INITIAL_SIZE = 256;

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Views of the buffer are kept for messages of up to this many bytes (see viewOf). */
const VIEWS_KEPT_MAX = 256;

export class FlatEncoder {
  private bytes = new Uint8Array(INITIAL_SIZE);
  private pos = 0;
  /** By length: the view of the first `length` bytes of `bytes`, made on first use (see viewOf). */
  private views: (Uint8Array | undefined)[] = [];

  /** `maxDepth` and `maxBytes`: the Codec's maxDepth and maxMessageSize (messages beyond them are left to it). */
  constructor(
    private readonly maxDepth: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * The message as a view into this encoder's reused buffer (valid until its next encode), or
   * undefined when it is not flat.
   */
  encode(message: unknown): Uint8Array | undefined {
    if (!isPlainArray(message)) return undefined;
    this.pos = 0;
    if (!this.array(message, 1) || this.pos > this.maxBytes) return undefined;
    return this.viewOf(this.pos);
  }

  /**
   * The first `length` bytes of the buffer. A message is valid only until the next encode, so the
   * view of a length is made once and handed out again: most messages of a program have a few
   * lengths, and a view per message was an allocation per call on each side.
   */
  private viewOf(length: number): Uint8Array {
    if (length > VIEWS_KEPT_MAX) return this.bytes.subarray(0, length);
    return (this.views[length] ??= this.bytes.subarray(0, length));
  }

  private array(array: unknown[], depth: number): boolean {
    // As the Codec counts it: the message is at depth 1, an array in it at depth 2.
    if (depth > this.maxDepth || depth > DEPTH_MAX) return false;
    const length = array.length;
    if (length >= 0x10000 || !this.room(3)) return false;
    const bytes = this.bytes;
    if (length < 16) bytes[this.pos++] = 0x90 + length;
    else {
      bytes[this.pos] = 0xdc;
      bytes[this.pos + 1] = length >>> 8;
      bytes[this.pos + 2] = length & 0xff;
      this.pos += 3;
    }
    // Holes and undefined elements are nil, as the msgpack Encoder writes them.
    for (let i = 0; i < length; i++) if (!this.value(array[i], depth)) return false;
    return true;
  }

  private value(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'number':
        return this.number(value);
      case 'string':
        return this.string(value);
      case 'boolean':
        return this.byte(value ? 0xc3 : 0xc2);
      case 'undefined':
        return this.byte(0xc0);
      case 'object':
        if (value === null) return this.byte(0xc0);
        return isPlainArray(value) && this.array(value, depth + 1);
      default:
        return false;
    }
  }

  private byte(byte: number): boolean {
    if (!this.room(1)) return false;
    this.bytes[this.pos++] = byte;
    return true;
  }

  private number(value: number): boolean {
    if (!this.room(9)) return false;
    const bytes = this.bytes;
    const at = this.pos;
    // -0 goes as a float64, as the Codec writes it (keepNegativeZero).
    if (Number.isSafeInteger(value) && !(value === 0 && 1 / value < 0)) {
      if (value >= 0) {
        if (value < 0x80) {
          bytes[at] = value;
          this.pos = at + 1;
        } else if (value < 0x100) {
          bytes[at] = 0xcc;
          bytes[at + 1] = value;
          this.pos = at + 2;
        } else if (value < 0x10000) {
          bytes[at] = 0xcd;
          bytes[at + 1] = value >>> 8;
          bytes[at + 2] = value & 0xff;
          this.pos = at + 3;
        } else if (value < 0x100000000) {
          bytes[at] = 0xce;
          this.writeU32(at + 1, value);
          this.pos = at + 5;
        } else return false;
      } else if (value >= -0x20) {
        bytes[at] = value & 0xff; // negative fixint
        this.pos = at + 1;
      } else if (value >= -0x80) {
        bytes[at] = 0xd0;
        bytes[at + 1] = value & 0xff;
        this.pos = at + 2;
      } else if (value >= -0x8000) {
        bytes[at] = 0xd1;
        bytes[at + 1] = (value >> 8) & 0xff;
        bytes[at + 2] = value & 0xff;
        this.pos = at + 3;
      } else if (value >= -0x80000000) {
        bytes[at] = 0xd2;
        this.writeU32(at + 1, value >>> 0);
        this.pos = at + 5;
      } else return false;
      return true;
    }
    bytes[at] = 0xcb;
    float64[0] = value;
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) bytes[at + 1 + i] = float64Bytes[7 - i];
    else for (let i = 0; i < 8; i++) bytes[at + 1 + i] = float64Bytes[i];
    this.pos = at + 9;
    return true;
  }

  private writeU32(at: number, value: number): void {
    const bytes = this.bytes;
    bytes[at] = value >>> 24;
    bytes[at + 1] = (value >>> 16) & 0xff;
    bytes[at + 2] = (value >>> 8) & 0xff;
    bytes[at + 3] = value & 0xff;
  }

  private string(value: string): boolean {
    const length = value.length;
    if (length > STRING_MAX || !this.room(2 + length)) return false;
    const bytes = this.bytes;
    let at = this.pos;
    if (length < 32) bytes[at++] = 0xa0 + length;
    else {
      bytes[at++] = 0xd9;
      bytes[at++] = length;
    }
    for (let i = 0; i < length; i++) {
      const unit = value.charCodeAt(i);
      if (unit > 0x7f) return false;
      bytes[at + i] = unit;
    }
    this.pos = at + length;
    return true;
  }

  /** Makes room for `size` more bytes: false past MESSAGE_MAX. */
  private room(size: number): boolean {
    const needed = this.pos + size;
    if (needed <= this.bytes.length) return true;
    if (needed > MESSAGE_MAX) return false;
    const grown = new Uint8Array(Math.min(MESSAGE_MAX, Math.max(needed, this.bytes.length * 2)));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.views = []; // they are views of the old buffer
    return true;
  }
}

function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}
