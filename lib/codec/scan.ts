// A structural check of a whole message before the msgpack Decoder builds anything: it walks the
// bytes once, without allocating values, and refuses truncated input, trailing bytes, unknown type
// bytes and extension types, values over a length limit, and nesting deeper than maxDepth (counted
// through the payloads of the container extensions, as the encoder counts it). Because every
// element a container declares must then be present in the bytes, a small malicious message can no
// longer make the Decoder preallocate huge arrays, and nested extension payloads need no re-check.
import { ProtocolError } from '../errors.js';
import { extensionPayloadKind } from './extensions.js';

/** The limits a message is checked against (CodecOptions with its defaults applied). */
export interface ScanLimits {
  readonly maxStrLength: number;
  readonly maxBinLength: number;
  readonly maxArrayLength: number;
  readonly maxMapLength: number;
  readonly maxExtLength: number;
  readonly maxDepth: number;
  readonly maxObjects: number;
  readonly bytesPerObject: number;
}

/** Objects any message may decode to, whatever its size (see CodecOptions.bytesPerObject). */
export const OBJECTS_ALWAYS_ALLOWED = 4096;

/** Throws ProtocolError unless `bytes` holds exactly one well-formed message within `limits`. */
export function scanMessage(bytes: Uint8Array, limits: ScanLimits): void {
  scanner.run(bytes, limits);
}

/** Marks a saved frame as an array or map (other saved frames hold the end of an enclosing span). */
const CONTAINER = -1;
const EMPTY = new Uint8Array(0);
/** Placeholder between scans. */
const DEFAULT_LIMITS: ScanLimits = {
  maxStrLength: 0,
  maxBinLength: 0,
  maxArrayLength: 0,
  maxMapLength: 0,
  maxExtLength: 0,
  maxDepth: 0,
  maxObjects: 0,
  bytesPerObject: 0,
};

/**
 * One scanner serves every scan (a scan runs to the end or throws, and never re-enters itself):
 * scanning allocates nothing, as it runs on every message received.
 */
class MessageScanner {
  private bytes: Uint8Array = EMPTY;
  private limits: ScanLimits = DEFAULT_LIMITS;
  private pos = 0;
  /** Where the span being read ends: the message, or the payload of the innermost extension. */
  private end = 0;
  /** Arrays and maps open around the current position, through extension payloads. */
  private depth = 0;
  /** Values still to read in the innermost open array, map or extension payload. */
  private pending = 1;
  /** Objects (arrays, maps, bins, extensions) this message may still decode to. */
  private objectsLeft = 0;
  /** Per open array or map: [parent's pending, CONTAINER]; per open payload: [pending, enclosing end]. */
  private readonly saved: number[] = [];

  run(bytes: Uint8Array, limits: ScanLimits): void {
    this.bytes = bytes;
    this.limits = limits;
    this.pos = 0;
    this.end = bytes.length;
    this.depth = 0;
    this.pending = 1;
    this.saved.length = 0;
    const proportional = limits.bytesPerObject > 0 ? OBJECTS_ALWAYS_ALLOWED + Math.floor(bytes.length / limits.bytesPerObject) : Infinity;
    this.objectsLeft = Math.min(limits.maxObjects, proportional);
    try {
      for (;;) {
        if (this.pending === 0) {
          if (this.saved.length === 0) break;
          this.closeFrame();
        } else {
          this.readValue();
        }
      }
      if (this.pos !== this.end) {
        throw new ProtocolError(`${this.end - this.pos} trailing byte(s) after the message`);
      }
    } finally {
      this.bytes = EMPTY; // the message is not kept alive
    }
  }

  private closeFrame(): void {
    const savedEnd = this.saved.pop()!;
    const savedPending = this.saved.pop()!;
    if (savedEnd === CONTAINER) {
      this.depth--;
    } else {
      if (this.pos !== this.end) throw new ProtocolError(`trailing bytes in an extension payload at ${this.pos}`);
      this.end = savedEnd;
    }
    // The array, map or extension just finished is one value of its parent.
    this.pending = savedPending - 1;
  }

  private readValue(): void {
    const head = this.readUint(1);
    if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) {
      this.pending--; // fixint, nil, boolean
    } else if (head <= 0x8f) {
      this.openContainer(head - 0x80, 2, this.limits.maxMapLength, 'map');
    } else if (head <= 0x9f) {
      this.openContainer(head - 0x90, 1, this.limits.maxArrayLength, 'array');
    } else if (head <= 0xbf) {
      this.skipBody(head - 0xa0, this.limits.maxStrLength, 'string');
    } else {
      this.readTypedValue(head);
    }
  }

  private readTypedValue(head: number): void {
    switch (head) {
      case 0xc4:
      case 0xc5:
      case 0xc6:
        this.countObject();
        return this.skipBody(this.readUint(1 << (head - 0xc4)), this.limits.maxBinLength, 'bin');
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return this.readExtension(this.readUint(1 << (head - 0xc7)));
      case 0xca:
        return this.skipScalar(4);
      case 0xcb:
        return this.skipScalar(8);
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        return this.skipScalar(1 << (head - 0xcc));
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return this.skipScalar(1 << (head - 0xd0));
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.readExtension(1 << (head - 0xd4));
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.skipBody(this.readUint(1 << (head - 0xd9)), this.limits.maxStrLength, 'string');
      case 0xdc:
      case 0xdd:
        return this.openContainer(this.readUint(head === 0xdc ? 2 : 4), 1, this.limits.maxArrayLength, 'array');
      case 0xde:
      case 0xdf:
        return this.openContainer(this.readUint(head === 0xde ? 2 : 4), 2, this.limits.maxMapLength, 'map');
      default:
        throw new ProtocolError(`unknown msgpack type byte 0x${head.toString(16)} at ${this.pos - 1}`);
    }
  }

  /** An array (`valuesPerEntry` 1) or map (2) of `size` entries. */
  private openContainer(size: number, valuesPerEntry: number, maxSize: number, what: string): void {
    if (size > maxSize) throw new ProtocolError(`${what} of ${size} entries exceeds the limit of ${maxSize}`);
    this.checkDepth();
    this.countObject();
    const values = size * valuesPerEntry;
    if (values === 0) {
      this.pending--;
      return;
    }
    // Every value takes at least one byte: a container cannot promise more values than bytes left.
    if (values > this.end - this.pos) throw this.truncated();
    this.saved.push(this.pending, CONTAINER);
    this.pending = values;
    this.depth++;
  }

  private readExtension(length: number): void {
    if (length > this.limits.maxExtLength) {
      throw new ProtocolError(`extension of ${length} bytes exceeds the limit of ${this.limits.maxExtLength}`);
    }
    const type = (this.bytes[this.requireBytes(1)] << 24) >> 24; // an int8
    const kind = extensionPayloadKind(type);
    if (kind === undefined) throw new ProtocolError(`unknown extension type ${type} at ${this.pos - 1}`);
    this.countObject();
    if (kind === 'opaque') return this.skipScalar(length);
    // A container extension: its payload is one array, which stands for the extension itself.
    this.checkDepth();
    const payloadStart = this.requireBytes(length);
    const first = this.bytes[payloadStart];
    if (length === 0 || !isArrayHead(first)) {
      throw new ProtocolError(`extension type ${type} needs an array payload (at ${payloadStart})`);
    }
    this.saved.push(this.pending, this.end);
    this.end = this.pos;
    this.pos = payloadStart;
    this.pending = 1;
  }

  private skipBody(length: number, maxLength: number, what: string): void {
    if (length > maxLength) throw new ProtocolError(`${what} of ${length} bytes exceeds the limit of ${maxLength}`);
    this.skipScalar(length);
  }

  private skipScalar(length: number): void {
    this.requireBytes(length);
    this.pending--;
  }

  private countObject(): void {
    if (--this.objectsLeft >= 0) return;
    const { maxObjects, bytesPerObject } = this.limits;
    throw new ProtocolError(
      `a message of ${this.bytes.length} bytes decodes to more objects than allowed: ` +
        `at most ${maxObjects} (maxObjects), and ${OBJECTS_ALWAYS_ALLOWED} plus one per ${bytesPerObject} bytes (bytesPerObject)`,
    );
  }

  private checkDepth(): void {
    if (this.depth + 1 > this.limits.maxDepth) {
      throw new ProtocolError(`nesting deeper than maxDepth (${this.limits.maxDepth}) at ${this.pos}`);
    }
  }

  /** Reads a big-endian unsigned integer of 1, 2 or 4 bytes. */
  private readUint(size: number): number {
    const at = this.requireBytes(size);
    const bytes = this.bytes;
    switch (size) {
      case 1:
        return bytes[at];
      case 2:
        return (bytes[at] << 8) | bytes[at + 1];
      default:
        return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
    }
  }

  /** Consumes `length` bytes of the current span and returns where they start. */
  private requireBytes(length: number): number {
    const at = this.pos;
    if (length > this.end - at) throw this.truncated();
    this.pos = at + length;
    return at;
  }

  private truncated(): ProtocolError {
    return new ProtocolError(`truncated message: needs more than the ${this.end - this.pos} byte(s) left at ${this.pos}`);
  }
}

const scanner = new MessageScanner();

function isArrayHead(head: number): boolean {
  return (head >= 0x90 && head <= 0x9f) || head === 0xdc || head === 0xdd;
}
