// Python's repr() for JS values, for error messages (KeyError('a') shows 'a') and `__repr__`:
// None, True, 1, 1.5, 1e-05, 'a', "it's", b'\x00', [1, 2], {'a': 1}, set(), {1}, [1, [...]].
import { ServerRef } from '../serverRef.js';
import { isDict, isPlainObject, pyTypeName } from './pyTypes.js';

export function pyRepr(value: unknown): string {
  return reprAt(value, new Set());
}

/** `active` holds the containers being printed, so a cycle prints as `[...]` / `{...}`, as Python. */
function reprAt(value: unknown, active: Set<object>): string {
  if (typeof value !== 'object' || value === null) return reprPrimitive(value);
  if (active.has(value)) return Array.isArray(value) ? '[...]' : isDict(value) ? '{...}' : '...';
  active.add(value);
  try {
    return reprObject(value, active);
  } finally {
    active.delete(value);
  }
}

function reprPrimitive(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return reprNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return reprString(value);
    case 'function':
      return `<function ${value.name || '<anonymous>'}>`;
    case 'symbol':
      return value.toString();
    default:
      return 'None';
  }
}

function reprObject(value: object, active: Set<object>): string {
  const repr = (item: unknown): string => reprAt(item, active);
  if (Array.isArray(value)) return `[${value.map(repr).join(', ')}]`;
  if (value instanceof Map) {
    return `{${Array.from(value, ([key, item]) => `${repr(key)}: ${repr(item)}`).join(', ')}}`;
  }
  if (isPlainObject(value)) {
    return `{${Object.keys(value).map((key) => `${reprString(key)}: ${repr(value[key])}`).join(', ')}}`;
  }
  if (value instanceof Set) return value.size === 0 ? 'set()' : `{${Array.from(value, repr).join(', ')}}`;
  if (value instanceof Uint8Array) return reprBytes(value);
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'datetime(invalid)' : `datetime(${reprString(value.toISOString())})`;
  }
  if (value instanceof ServerRef) {
    return `<ServerRef typeid=${reprString(value.token.typeid)} id=${reprString(value.token.id)}>`;
  }
  if (value instanceof Error) return `${value.name}(${reprString(value.message)})`;
  const ownRepr: unknown = (value as { __repr__?: unknown }).__repr__;
  if (typeof ownRepr === 'function') {
    const text: unknown = ownRepr.call(value);
    if (typeof text === 'string') return text;
  }
  return `<${pyTypeName(value)} object>`;
}

/** Integers print as Python ints (all digits); other numbers as Python floats. */
function reprNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value)) return BigInt(value).toString();
  // toExponential() gives the shortest round-trip digits, as Python's repr does; Python switches
  // to exponent notation below 1e-4 (and at 1e16, which only integers reach).
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const fixed =
    exponent < 0
      ? `0.${'0'.repeat(-exponent - 1)}${digits}`
      : `${digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')}.${digits.slice(exponent + 1) || '0'}`;
  return negative ? `-${fixed}` : fixed;
}

const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;
// Python's str.isprintable() is false for these categories (the space character excepted).
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function reprString(text: string): string {
  if (PLAIN_ASCII.test(text)) return `'${text}'`;
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) body += escapeChar(char, quote);
  return `${quote}${body}${quote}`;
}

function escapeChar(char: string, quote: string): string {
  if (char === quote || char === '\\') return `\\${char}`;
  if (char === '\t') return '\\t';
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === ' ' || !NOT_PRINTABLE.test(char)) return char;
  const code = char.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

function reprBytes(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let body = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === quote || char === '\\') body += `\\${char}`;
    else if (char === '\t') body += '\\t';
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) body += char;
    else body += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${body}${quote}`;
}
