// UTF-8 with CPython's 'surrogatepass' error handler, which pickle uses for str: a lone surrogate
// (legal in both JavaScript and Python strings) travels as its 3-byte encoding instead of being
// replaced. Well-formed strings take Node's fast paths.
import { ProtocolError } from '../../errors.js';

/** In u-mode a surrogate pair is one code point: only unpaired surrogates match. */
const LONE_SURROGATE = /\p{Cs}/u;

export function encodeUtf8(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Buffer.from(bytes);
}

/** Decodes UTF-8 (surrogates allowed, as 'surrogatepass'); anything else malformed → ProtocolError. */
export function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!text.includes('\ufffd')) return text;
  return decodeSlowly(bytes);
}

function decodeSlowly(b: Buffer): string {
  const units: number[] = [];
  let i = 0;
  const cont = (at: number): number => {
    const byte = b[at];
    if (byte === undefined || (byte & 0xc0) !== 0x80) throw new ProtocolError('pickle: malformed UTF-8 in a str');
    return byte & 0x3f;
  };
  while (i < b.length) {
    const first = b[i];
    let code: number;
    if (first < 0x80) {
      code = first;
      i += 1;
    } else if (first >= 0xc2 && first < 0xe0) {
      code = ((first & 0x1f) << 6) | cont(i + 1);
      i += 2;
    } else if (first >= 0xe0 && first < 0xf0) {
      code = ((first & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (code < 0x800) throw new ProtocolError('pickle: overlong UTF-8 in a str');
      i += 3;
    } else if (first >= 0xf0 && first < 0xf5) {
      code = ((first & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      if (code < 0x10000 || code > 0x10ffff) throw new ProtocolError('pickle: bad UTF-8 in a str');
      i += 4;
    } else {
      throw new ProtocolError('pickle: malformed UTF-8 in a str');
    }
    if (code >= 0x10000) units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
    else units.push(code);
  }
  let out = '';
  for (let at = 0; at < units.length; at += 8192) out += String.fromCharCode(...units.slice(at, at + 8192));
  return out;
}

/** Strings of up to this many bytes are decoded by shortAscii. */
export const SHORT_STR = 32;
/** Recently decoded short ASCII strings, by a hash of their bytes (see shortAscii). */
const STR_CACHE_SIZE = 256;
const cachedStrings: string[] = new Array<string>(STR_CACHE_SIZE).fill('');

/**
 * The ASCII string of buf[start, start + n), or undefined if a byte is not ASCII. A native decode
 * costs a call into C++ per string; the few strings a connection sends again and again (object ids,
 * method names, '#RETURN') are found in a small cache instead, checked byte for byte (an ASCII
 * string's char codes are its bytes).
 */
export function shortAscii(buf: Buffer, start: number, n: number): string | undefined {
  let hash = n;
  for (let i = start; i < start + n; i++) {
    const byte = buf[i];
    if (byte >= 0x80) return undefined;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  const slot = (hash ^ (hash >>> 8)) & (STR_CACHE_SIZE - 1);
  const known = cachedStrings[slot];
  if (known.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (known.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const text = buf.toString('latin1', start, start + n);
  cachedStrings[slot] = text;
  return text;
}
