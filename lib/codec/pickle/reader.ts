// Reads one pickle (protocols 2 to 5) into JavaScript values, without ever calling anything the
// pickle names: globals are looked up in an allowlist (globals.ts) and each maps to a builder.
// Truncated input, oversized lengths, unknown opcodes or globals, and misused opcodes all throw
// ProtocolError. Dicts are collected as PyDicts and turned into their final form (plain object or
// Map, see values.ts) in one pass at the end, once every key is known.
// Every request of a pickle-mode connection goes through here, so the common path allocates little:
// no DataView, no BigInt for FRAME, the memo in an array, short ASCII strings decoded in JavaScript
// (cached: a connection sends the same object ids and method names call after call).
import { ProtocolError } from '../../errors.js';
import { Token, type WireRef } from '../../protocol.js';
import { Op } from './opcodes.js';
import { PyGlobal, findGlobal } from './globals.js';
import { PyByteArray, frozenset, isTuple } from './values.js';
import { SHORT_STR, decodeUtf8, shortAscii } from './utf8.js';

export interface PickleReadOptions {
  /** Longest str, in UTF-8 bytes. Default 64 MiB. */
  maxStrLength?: number;
  /** Longest bytes or bytearray. Default 64 MiB. */
  maxBinLength?: number;
  /** Largest int, in bytes of two's complement (LONG1/LONG4). Default 4096 (about 9,800 digits). */
  maxIntBytes?: number;
  /** Deepest nesting of containers. Default 100. */
  maxDepth?: number;
  /**
   * Turns a proxy in the pickle (RebuildProxy(ProxyClass, Token, ...)) into what the receiver should
   * see. Without it, a pickled proxy is refused.
   */
  fromWire?: (ref: WireRef) => unknown;
}

const DEFAULTS = { maxStrLength: 64 * 1024 * 1024, maxBinLength: 64 * 1024 * 1024, maxIntBytes: 4096, maxDepth: 100 };

/** A Python dict while the pickle is read: its final form is chosen once all its keys are in. */
class PyDict extends Map<unknown, unknown> {}

/** A Token made by NEWOBJ, waiting for the BUILD that gives it its state. */
const pendingTokens = new WeakSet<Token>();

export function readPickle(data: Uint8Array, options: PickleReadOptions = {}): unknown {
  return new Reader(data, options).read();
}

class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  /** The memo by index (no value read is ever undefined), and how many indices are set (Python's len(memo)). */
  private readonly memo: unknown[] = [];
  private memoCount = 0;
  /** An object was pushed a second time (memo get, DUP): see Finisher. */
  private shared = false;

  constructor(
    data: Uint8Array,
    private readonly options: PickleReadOptions,
  ) {
    this.buf = data instanceof Buffer ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  read(): unknown {
    if ((this.u8() as Op) !== Op.PROTO) throw new ProtocolError('pickle: must start with PROTO (protocols 2 to 5 only)');
    const protocol = this.u8();
    if (protocol < 2 || protocol > 5) throw new ProtocolError(`pickle: protocol ${protocol} is not accepted (2 to 5 only)`);
    for (;;) {
      const op = this.u8() as Op;
      if (op === Op.STOP) break;
      this.step(op);
    }
    if (this.pos !== this.buf.length) throw new ProtocolError('pickle: bytes after STOP');
    if (this.stack.length !== 1 || this.marks.length !== 0) throw new ProtocolError('pickle: STOP with a malformed stack');
    const value = this.stack[0];
    if (typeof value !== 'object' || value === null) return value;
    return new Finisher(this.options.maxDepth ?? DEFAULTS.maxDepth, this.shared).finish(value, 0);
  }

  private step(op: Op): void {
    const stack = this.stack;
    switch (op) {
      case Op.FRAME: {
        const length = this.u64();
        if (length > this.buf.length - this.pos) throw truncated();
        return;
      }
      case Op.MARK:
        this.marks.push(stack.length);
        return;
      case Op.POP:
        if (stack.length > this.topMark()) stack.pop();
        else this.popMark();
        return;
      case Op.POP_MARK:
        this.popMark();
        return;
      case Op.DUP:
        this.shared = true;
        return void stack.push(this.top());
      case Op.NONE:
        return void stack.push(null);
      case Op.NEWTRUE:
        return void stack.push(true);
      case Op.NEWFALSE:
        return void stack.push(false);
      case Op.BININT1:
        return void stack.push(this.u8());
      case Op.BININT2:
        this.need(2);
        stack.push(this.buf[this.pos] | (this.buf[this.pos + 1] << 8));
        this.pos += 2;
        return;
      case Op.BININT:
        this.need(4);
        stack.push(this.buf.readInt32LE(this.pos));
        this.pos += 4;
        return;
      case Op.LONG1:
        return void stack.push(this.long(this.u8()));
      case Op.LONG4: {
        this.need(4);
        const n = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        if (n < 0) throw new ProtocolError('pickle: negative LONG4 length');
        return void stack.push(this.long(n));
      }
      case Op.BINFLOAT:
        this.need(8);
        stack.push(this.buf.readDoubleBE(this.pos));
        this.pos += 8;
        return;
      case Op.SHORT_BINUNICODE:
        return void stack.push(this.str(this.u8()));
      case Op.BINUNICODE:
        return void stack.push(this.str(this.u32()));
      case Op.BINUNICODE8:
        return void stack.push(this.str(this.u64()));
      case Op.SHORT_BINBYTES:
        return void stack.push(new Uint8Array(this.bytes(this.u8())));
      case Op.BINBYTES:
        return void stack.push(new Uint8Array(this.bytes(this.u32())));
      case Op.BINBYTES8:
        return void stack.push(new Uint8Array(this.bytes(this.u64())));
      case Op.BYTEARRAY8:
        return void stack.push(new PyByteArray(this.bytes(this.u64())));
      case Op.EMPTY_LIST:
        return void stack.push([]);
      case Op.LIST:
        return void stack.push(this.popMark());
      case Op.APPEND: {
        const item = this.pop();
        this.listAt(this.top()).push(item);
        return;
      }
      case Op.APPENDS: {
        const items = this.popMark();
        const list = this.listAt(this.top());
        for (const item of items) list.push(item);
        return;
      }
      case Op.EMPTY_TUPLE:
        return void stack.push(Object.freeze([]));
      case Op.TUPLE1:
      case Op.TUPLE2:
      case Op.TUPLE3: {
        const n = op - Op.TUPLE1 + 1;
        const end = stack.length;
        if (end - this.topMark() < n) throw malformed('TUPLE1-3 with too few items');
        const items = n === 1 ? [stack[end - 1]] : n === 2 ? [stack[end - 2], stack[end - 1]] : [stack[end - 3], stack[end - 2], stack[end - 1]];
        stack.length = end - n;
        return void stack.push(Object.freeze(items));
      }
      case Op.TUPLE:
        return void stack.push(Object.freeze(this.popMark()));
      case Op.EMPTY_DICT:
        return void stack.push(new PyDict());
      case Op.DICT: {
        const items = this.popMark();
        const dict = new PyDict();
        setItems(dict, items);
        return void stack.push(dict);
      }
      case Op.SETITEM: {
        const value = this.pop();
        const key = this.pop();
        this.dictAt(this.top()).set(key, value);
        return;
      }
      case Op.SETITEMS: {
        const items = this.popMark();
        setItems(this.dictAt(this.top()), items);
        return;
      }
      case Op.EMPTY_SET:
        return void stack.push(new Set());
      case Op.ADDITEMS: {
        const items = this.popMark();
        const set = this.top();
        if (!(set instanceof Set) || Object.isFrozen(set)) throw malformed('ADDITEMS to something not a set');
        for (const item of items) set.add(item);
        return;
      }
      case Op.FROZENSET:
        return void stack.push(frozenset(this.popMark()));
      case Op.GLOBAL: {
        const module = this.line();
        const name = this.line();
        return void stack.push(findGlobal(module, name));
      }
      case Op.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw malformed('STACK_GLOBAL of non-strings');
        return void stack.push(findGlobal(module, name));
      }
      case Op.REDUCE: {
        const args = this.pop();
        const callable = this.pop();
        return void stack.push(this.reduce(callable, args));
      }
      case Op.NEWOBJ: {
        const args = this.pop();
        const cls = this.pop();
        if (!(cls instanceof PyGlobal) || cls.spec.kind !== 'token' || !isTuple(args) || args.length !== 0) {
          throw new ProtocolError(`pickle: NEWOBJ is only allowed for multiprocessing.managers.Token`);
        }
        const token = new Token('', undefined, '');
        pendingTokens.add(token);
        return void stack.push(token);
      }
      case Op.BUILD: {
        const state = this.pop();
        return this.build(this.top(), state);
      }
      case Op.MEMOIZE:
        return this.memoPut(this.memoCount, this.top());
      case Op.BINPUT:
        return this.memoPut(this.u8(), this.top());
      case Op.LONG_BINPUT:
        return this.memoPut(this.u32(), this.top());
      case Op.BINGET:
        return void stack.push(this.memoGet(this.u8()));
      case Op.LONG_BINGET:
        return void stack.push(this.memoGet(this.u32()));
      default:
        throw new ProtocolError(`pickle: opcode 0x${(op as number).toString(16).padStart(2, '0')} is not accepted`);
    }
  }

  private reduce(callable: unknown, args: unknown): unknown {
    if (!(callable instanceof PyGlobal)) throw malformed('REDUCE of something not a global');
    if (!isTuple(args)) throw malformed('REDUCE arguments are not a tuple');
    const spec = callable.spec;
    switch (spec.kind) {
      case 'exception':
        return spec.build(exceptionMessage(args));
      case 'reduce':
        return spec.build(args);
      case 'orderedDict': {
        const dict = new PyDict();
        if (args.length === 1 && Array.isArray(args[0])) {
          for (const pair of args[0] as unknown[]) {
            if (!Array.isArray(pair) || pair.length !== 2) throw malformed('OrderedDict items');
            dict.set(pair[0], pair[1]);
          }
        } else if (args.length !== 0) throw malformed('OrderedDict arguments');
        return dict;
      }
      case 'rebuildProxy':
        return this.rebuildProxy(args);
      default:
        throw new ProtocolError(`pickle: ${callable.module}.${callable.name} may not be called (REDUCE)`);
    }
  }

  /** RebuildProxy(ProxyClass, token, serializer, kwds): handed to the fromWire hook as a WireRef. */
  private rebuildProxy(args: readonly unknown[]): unknown {
    const [cls, token, , kwds] = args;
    if (args.length !== 4 || !(cls instanceof PyGlobal) || cls.spec.kind !== 'proxyClass' || !(token instanceof Token) || pendingTokens.has(token)) {
      throw malformed('RebuildProxy arguments');
    }
    if (this.options.fromWire === undefined) throw new ProtocolError('pickle: a proxy is not accepted here');
    const exposed = kwds instanceof PyDict ? kwds.get('exposed') : undefined;
    const ref: WireRef = { typeid: token.typeid, address: token.address, id: token.id, kind: cls.spec.proxyKind };
    if (Array.isArray(exposed) && exposed.every((m) => typeof m === 'string')) ref.exposed = [...(exposed)];
    try {
      return this.options.fromWire(ref);
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError(`pickle: the proxy could not be rebuilt: ${(err as Error).message}`, { cause: err });
    }
  }

  private build(target: unknown, state: unknown): void {
    if (target instanceof Token && pendingTokens.has(target)) {
      if (!isTuple(state) || state.length !== 3) throw malformed('Token state');
      const [typeid, address, id] = state;
      if (typeof typeid !== 'string' || typeof id !== 'string') throw malformed('Token state');
      let addr: Token['address'];
      if (typeof address === 'string') addr = address;
      else if (isTuple(address) && address.length === 2 && typeof address[0] === 'string' && typeof address[1] === 'number') {
        addr = [address[0], address[1]];
      } else if (address === null) addr = undefined;
      else throw malformed('Token address');
      Object.assign(target, { typeid, address: addr, id });
      pendingTokens.delete(target);
      return;
    }
    // An exception's __dict__ (or (None, slots)): extra attributes, not kept.
    if (target instanceof Error && (state === null || state instanceof PyDict || isTuple(state))) return;
    throw new ProtocolError('pickle: BUILD is only allowed on Token and exceptions');
  }

  // ---- the stack

  private topMark(): number {
    return this.marks.length === 0 ? 0 : this.marks[this.marks.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw malformed('no MARK');
    return this.stack.splice(mark);
  }

  private pop(): unknown {
    if (this.stack.length <= this.topMark()) throw malformed('stack underflow');
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length <= this.topMark()) throw malformed('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private listAt(value: unknown): unknown[] {
    if (!Array.isArray(value) || Object.isFrozen(value)) throw malformed('APPEND to something not a list');
    return value;
  }

  private dictAt(value: unknown): PyDict {
    if (!(value instanceof PyDict)) throw malformed('SETITEM on something not a dict');
    return value;
  }

  private memoPut(index: number, value: unknown): void {
    if (this.memo[index] === undefined) this.memoCount++;
    this.memo[index] = value;
  }

  private memoGet(index: number): unknown {
    this.shared = true;
    const value = this.memo[index];
    if (value === undefined) throw malformed(`memo ${index} was never set`);
    return value;
  }

  // ---- the input

  private need(n: number): void {
    if (n > this.buf.length - this.pos) throw truncated();
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit length: exact up to 2^53, else 2^53 - 1 (more than any limit allows). */
  private u64(): number {
    this.need(8);
    const low = this.buf.readUInt32LE(this.pos);
    const high = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low;
  }

  private bytes(n: number): Buffer {
    const maxBinLength = this.options.maxBinLength ?? DEFAULTS.maxBinLength;
    if (n > maxBinLength) throw new ProtocolError(`pickle: bytes of ${n} bytes exceed maxBinLength (${maxBinLength})`);
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private str(n: number): string {
    const maxStrLength = this.options.maxStrLength ?? DEFAULTS.maxStrLength;
    if (n > maxStrLength) throw new ProtocolError(`pickle: a str of ${n} bytes exceeds maxStrLength (${maxStrLength})`);
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return (n <= SHORT_STR ? shortAscii(this.buf, start, n) : undefined) ?? decodeUtf8(this.buf.subarray(start, start + n));
  }

  /** A little-endian two's complement int of n bytes: a number when it is safe, else a bigint. */
  private long(n: number): number | bigint {
    const maxIntBytes = this.options.maxIntBytes ?? DEFAULTS.maxIntBytes;
    if (n > maxIntBytes) throw new ProtocolError(`pickle: an int of ${n} bytes exceeds maxIntBytes (${maxIntBytes})`);
    this.need(n);
    if (n === 0) return 0;
    const bytes = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    let value = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
    if (bytes[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }

  /** A GLOBAL line (protocol 2): ASCII up to a newline, at most 256 bytes. */
  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 256) throw truncated();
    const text = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return text;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * Turns PyDicts into plain objects or Maps and rebuilds the tuples that held them. When the pickle
 * referred to an object twice (`shared`: a memo get or DUP), each is finished once, and a value that
 * contains itself stays so; otherwise every object occurs once, and nothing need be remembered.
 */
class Finisher {
  private readonly done: Map<object, unknown> | undefined;

  constructor(
    private readonly maxDepth: number,
    shared: boolean,
  ) {
    if (shared) this.done = new Map();
  }

  finish(value: unknown, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const known = this.done?.get(value);
    if (known !== undefined) return known;
    if (depth >= this.maxDepth) throw new ProtocolError(`pickle: nested deeper than maxDepth (${this.maxDepth})`);
    if (value instanceof PyDict) return this.finishDict(value, depth);
    if (Array.isArray(value)) {
      if (!Object.isFrozen(value)) {
        this.done?.set(value, value);
        for (let i = 0; i < value.length; i++) value[i] = this.finish(value[i], depth + 1);
        return value;
      }
      // A tuple: rebuilt only if an item changed (a recursive tuple keeps its original form).
      this.done?.set(value, value);
      let items: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const finished = this.finish(item, depth + 1);
        if (finished !== item) (items ??= value.slice(0, i))[i] = finished;
        else if (items !== undefined) items[i] = item;
      }
      const result = items === undefined ? value : Object.freeze(items);
      this.done?.set(value, result);
      return result;
    }
    if (value instanceof Set) {
      this.done?.set(value, value);
      return value; // set items are hashable in Python: no dicts inside
    }
    return value;
  }

  private finishDict(dict: PyDict, depth: number): unknown {
    let stringKeys = true;
    for (const key of dict.keys()) {
      if (typeof key !== 'string' || key === '__proto__') {
        stringKeys = false;
        break;
      }
    }
    if (stringKeys) {
      const obj: Record<string, unknown> = {};
      this.done?.set(dict, obj);
      for (const [key, v] of dict) obj[key as string] = this.finish(v, depth + 1);
      return obj;
    }
    const map = new Map<unknown, unknown>();
    this.done?.set(dict, map);
    for (const [key, v] of dict) map.set(this.finish(key, depth + 1), this.finish(v, depth + 1));
    return map;
  }
}

function setItems(dict: PyDict, items: unknown[]): void {
  if (items.length % 2 !== 0) throw malformed('SETITEMS with an odd number of items');
  for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
}

/** What Python's str() of an exception shows, roughly: its only argument, or the argument tuple. */
function exceptionMessage(args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));
  return args.length === 1 ? show(args[0]) : `(${args.map(show).join(', ')})`;
}

function truncated(): ProtocolError {
  return new ProtocolError('pickle: truncated input');
}

function malformed(what: string): ProtocolError {
  return new ProtocolError(`pickle: malformed (${what})`);
}
