// The request nearly every call of a CPython proxy sends, read without the general reader:
// (ident, methodname, args, {}) with an ASCII ident and method name, arguments that are None, bools,
// small ints, floats or short ASCII strings, and no keywords, pickled by ForkingPickler (protocol 4
// or 5, one FRAME). A pickle-mode server reads one per call; the general reader's stack, marks, memo
// and final pass cost more than the rest of a dict get. Anything else (keywords, a list or bytes
// argument, a memo reference, any opcode not listed here) is left to readPickle: readCall returns
// undefined, never throws, and what it returns is exactly what readPickle returns for those bytes.
import { Op } from './opcodes.js';
import { SHORT_STR, shortAscii } from './utf8.js';

/** A request as readPickle returns it: a tuple (ident, method, args tuple, kwds). */
export type CallRequest = readonly [string, string, readonly unknown[], Record<string, never>];

/** Most arguments read here; a call with more is left to readPickle. */
const MAX_ARGS = 8;

export function readCall(data: Buffer): CallRequest | undefined {
  const end = data.length;
  if (end < 12 || opAt(data, 0) !== Op.PROTO || (data[1] !== 4 && data[1] !== 5)) return undefined;
  let pos = 2;
  if (opAt(data, pos) === Op.FRAME) {
    if (pos + 9 > end) return undefined;
    // One frame holding the rest of the pickle (larger pickles have several: left to readPickle).
    if (data.readUInt32LE(pos + 1) !== end - pos - 9 || data.readUInt32LE(pos + 5) !== 0) return undefined;
    pos += 9;
  }
  if (opAt(data, pos++) !== Op.MARK) return undefined;
  const ident = text(data, pos, end);
  if (ident === undefined) return undefined;
  pos = skipMemoize(data, pos + 2 + ident.length);
  const method = text(data, pos, end);
  if (method === undefined) return undefined;
  pos = skipMemoize(data, pos + 2 + method.length);

  // The arguments: EMPTY_TUPLE, items then TUPLE1-3, or MARK, items, TUPLE.
  const args: unknown[] = [];
  let marked = false;
  if (opAt(data, pos) === Op.EMPTY_TUPLE) pos++;
  else {
    if (opAt(data, pos) === Op.MARK) {
      marked = true;
      pos++;
    }
    for (;;) {
      if (pos >= end) return undefined;
      const op = opAt(data, pos);
      if (marked ? op === Op.TUPLE : op === ((Op.TUPLE1 + args.length - 1) as Op) && args.length >= 1 && args.length <= 3) {
        pos = skipMemoize(data, pos + 1);
        break;
      }
      if (args.length === MAX_ARGS) return undefined;
      const at = pos;
      pos = item(data, pos, end, args);
      if (pos === at) return undefined;
    }
  }
  // No keywords ({}), then the request tuple and STOP.
  if (opAt(data, pos) !== Op.EMPTY_DICT) return undefined;
  pos = skipMemoize(data, pos + 1);
  if (opAt(data, pos) !== Op.TUPLE) return undefined;
  pos = skipMemoize(data, pos + 1);
  if (pos !== end - 1 || opAt(data, pos) !== Op.STOP) return undefined;
  return Object.freeze([ident, method, Object.freeze(args), {}]);
}

/** A SHORT_BINUNICODE of ASCII text at `pos` (bytes are checked against `end`), else undefined. */
function text(data: Buffer, pos: number, end: number): string | undefined {
  if (pos + 2 > end || opAt(data, pos) !== Op.SHORT_BINUNICODE) return undefined;
  const n = data[pos + 1];
  if (n > SHORT_STR || pos + 2 + n > end) return undefined;
  return shortAscii(data, pos + 2, n);
}

/** The byte at `pos` as an opcode (undefined past the end, which matches none). */
function opAt(data: Buffer, pos: number): Op {
  return data[pos];
}

function skipMemoize(data: Buffer, pos: number): number {
  return opAt(data, pos) === Op.MEMOIZE ? pos + 1 : pos;
}

/** Reads one argument at `pos` into `args`; returns where the next one starts, or `pos` if it is not one read here. */
function item(data: Buffer, pos: number, end: number, args: unknown[]): number {
  switch (opAt(data, pos)) {
    case Op.NONE:
      args.push(null);
      return pos + 1;
    case Op.NEWTRUE:
      args.push(true);
      return pos + 1;
    case Op.NEWFALSE:
      args.push(false);
      return pos + 1;
    case Op.BININT1:
      if (pos + 2 > end) return pos;
      args.push(data[pos + 1]);
      return pos + 2;
    case Op.BININT2:
      if (pos + 3 > end) return pos;
      args.push(data[pos + 1] | (data[pos + 2] << 8));
      return pos + 3;
    case Op.BININT:
      if (pos + 5 > end) return pos;
      args.push(data.readInt32LE(pos + 1));
      return pos + 5;
    case Op.BINFLOAT:
      if (pos + 9 > end) return pos;
      args.push(data.readDoubleBE(pos + 1));
      return pos + 9;
    case Op.SHORT_BINUNICODE: {
      const value = text(data, pos, end);
      if (value === undefined) return pos;
      args.push(value);
      return skipMemoize(data, pos + 2 + value.length);
    }
    default:
      return pos;
  }
}
