// The commonest values (null, booleans, integers, short ASCII strings, doubles) as msgpack, written
// and read without the Codec: a dict's keys and most stored values are such scalars, and the Codec's
// general path (reused Encoder, limits pre-scan, copies) costs several times more per value on the
// hot path of get/set. The bytes are exactly the Codec's (test/redis/scalars.test.ts compares them);
// anything else — or anything the Codec's limits might refuse — returns undefined and goes to the Codec.

/** Longest string written here: short enough that no sane maxMessageSize refuses it (checked too). */
const MAX_CHARS = 64;

/**
 * `value` as the Codec would encode it, or undefined when it is not a scalar handled here, or its
 * encoding would be longer than `maxBytes`.
 */
export function encodeScalar(value: unknown, maxBytes: number): Buffer | undefined {
  switch (typeof value) {
    case 'string':
      return encodeAscii(value, maxBytes);
    case 'number':
      return maxBytes >= 9 ? encodeNumber(value) : undefined;
    case 'boolean':
      return maxBytes >= 1 ? Buffer.from([value ? 0xc3 : 0xc2]) : undefined;
    case 'object':
      return value === null && maxBytes >= 1 ? Buffer.from([0xc0]) : undefined;
    default:
      return undefined;
  }
}

function encodeAscii(s: string, maxBytes: number): Buffer | undefined {
  const n = s.length;
  const header = n < 32 ? 1 : 2;
  if (n > MAX_CHARS || n + header > maxBytes) return undefined;
  const out = Buffer.allocUnsafe(n + header);
  if (header === 1) out[0] = 0xa0 + n;
  else {
    out[0] = 0xd9;
    out[1] = n;
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // Not ASCII: the Codec's UTF-8 (which keeps lone surrogates) decides.
    if (c > 0x7f) return undefined;
    out[header + i] = c;
  }
  return out;
}

function encodeNumber(v: number): Buffer | undefined {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    if (v >= 0 && v < 0x80) return Buffer.from([v]);
    if (v < 0 && v >= -0x20) return Buffer.from([0xe0 | (v + 0x20)]);
    if (v >= 0 && v < 0x100000000) return v < 0x100 ? Buffer.from([0xcc, v]) : v < 0x10000 ? tagged(0xcd, v, 2, false) : tagged(0xce, v, 4, false);
    if (v < 0 && v >= -0x80000000) return v >= -0x80 ? Buffer.from([0xd0, v & 0xff]) : v >= -0x8000 ? tagged(0xd1, v, 2, true) : tagged(0xd2, v, 4, true);
    return undefined; // 64-bit integers: the Codec
  }
  const out = Buffer.allocUnsafe(9);
  out[0] = 0xcb;
  out.writeDoubleBE(v, 1);
  return out;
}

/** msgpack's `tag` byte, then `v` big-endian in `bytes` bytes (uint16/32 or int16/32). */
function tagged(tag: number, v: number, bytes: 2 | 4, signed: boolean): Buffer {
  const out = Buffer.allocUnsafe(1 + bytes);
  out[0] = tag;
  if (signed) out.writeIntBE(v, 1, bytes);
  else out.writeUIntBE(v, 1, bytes);
  return out;
}

/** Marks "not a scalar read here": decodeScalar's answer when the Codec must decode. */
export const NOT_SCALAR = Symbol('not a scalar');

/**
 * The value of `b` when it is exactly one scalar of the kinds above (nothing trailing, a string
 * ASCII and no longer than `maxStr`), else NOT_SCALAR: the Codec then decodes it, or refuses it
 * with ProtocolError.
 */
export function decodeScalar(b: Buffer, maxStr: number): unknown {
  const n = b.length;
  if (n === 0) return NOT_SCALAR;
  const t = b[0];
  if (n === 1) {
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t === 0xc0) return null;
    if (t === 0xc2) return false;
    if (t === 0xc3) return true;
    if (t === 0xa0) return '';
    return NOT_SCALAR;
  }
  if (t >= 0xa0 && t <= 0xbf) return n === 1 + (t - 0xa0) ? ascii(b, 1, maxStr) : NOT_SCALAR;
  switch (t) {
    case 0xd9:
      return n === 2 + b[1] ? ascii(b, 2, maxStr) : NOT_SCALAR;
    case 0xcb:
      return n === 9 ? b.readDoubleBE(1) : NOT_SCALAR;
    case 0xcc:
      return n === 2 ? b[1] : NOT_SCALAR;
    case 0xcd:
      return n === 3 ? b.readUInt16BE(1) : NOT_SCALAR;
    case 0xce:
      return n === 5 ? b.readUInt32BE(1) : NOT_SCALAR;
    case 0xd0:
      return n === 2 ? b.readInt8(1) : NOT_SCALAR;
    case 0xd1:
      return n === 3 ? b.readInt16BE(1) : NOT_SCALAR;
    case 0xd2:
      return n === 5 ? b.readInt32BE(1) : NOT_SCALAR;
    default:
      return NOT_SCALAR;
  }
}

function ascii(b: Buffer, from: number, maxStr: number): unknown {
  const n = b.length;
  if (n - from > MAX_CHARS || n - from > maxStr) return NOT_SCALAR;
  for (let i = from; i < n; i++) if (b[i] > 0x7f) return NOT_SCALAR;
  return b.toString('latin1', from, n);
}
