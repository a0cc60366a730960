// Writes JavaScript values as a protocol 4 pickle (readable by CPython 3.4+), following the
// mapping in values.ts. Containers are memoized, so shared and recursive lists, dicts and sets
// keep their shape; a recursive tuple (impossible to make from JavaScript) is refused.
// Unpicklable values (functions, symbols, class instances, typed arrays other than Uint8Array)
// throw ValueError; so does nesting deeper than maxDepth (the usual sign of a circular value).
// Every reply of a pickle-mode server is written here, so a small pickle is laid out in one buffer
// kept between calls and copied out once, and ASCII strings are written without encoding them first.
import { RemoteError, ValueError } from '../../errors.js';
import { Token, type WireRef } from '../../protocol.js';
import { Slice } from '../slice.js';
import { Op } from './opcodes.js';
import { PYTHON_CLASS_OF_ERROR } from './globals.js';
import { PyArray, PyByteArray, isTuple } from './values.js';
import { encodeUtf8 } from './utf8.js';

export interface PickleWriteOptions {
  /** Deepest nesting of containers. Default 100. */
  maxDepth?: number;
  /** Returns a WireRef for a value that is a reference to a shared object (written as a proxy). */
  toWire?: (value: object) => WireRef | undefined;
  /**
   * The Python proxy class for a reference (its name in multiprocessing.managers). Default: by
   * typeid for SyncManager's types, else AutoProxy (which carries the exposed names).
   */
  proxyClassOf?: (ref: WireRef) => string;
}

export function writePickle(value: unknown, options: PickleWriteOptions = {}): Buffer {
  const bytes = writeScratch(value, options);
  return bytes.buffer === SCRATCH.buffer ? Buffer.from(bytes) : bytes;
}

/**
 * As writePickle, but the pickle may be a view into a buffer reused by the next call: for a caller
 * that copies it at once (Connection.send with `transient`).
 */
export function writePickleTransient(value: unknown, options: PickleWriteOptions = {}): Buffer {
  return writeScratch(value, options);
}

/** Size of the reused buffer; a pickle that outgrows it continues in buffers of its own. */
const SCRATCH_SIZE = 4096;
/** The buffer small pickles are written in (a hook that writes a pickle while one is being written gets its own). */
const SCRATCH = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
let scratchInUse = false;

/** Whether `bytes` is in the buffer writePickleTransient reuses (then it must be copied before the next call). */
export function inScratch(bytes: Uint8Array): boolean {
  return bytes.buffer === SCRATCH.buffer;
}

function writeScratch(value: unknown, options: PickleWriteOptions): Buffer {
  const reuse = !scratchInUse;
  scratchInUse = true;
  const writer = new Writer(options, reuse ? SCRATCH : undefined);
  try {
    writer.bytes(Op.PROTO, 4);
    writer.value(value, 0);
    writer.bytes(Op.STOP);
    return writer.output();
  } finally {
    if (reuse) scratchInUse = false;
  }
}

/** The Python class a SyncManager typeid's proxies are (RebuildProxy needs a class). */
export const PROXY_CLASS_BY_TYPEID: ReadonlyMap<string, string> = new Map([
  ['list', 'ListProxy'],
  ['dict', 'DictProxy'],
  ['Namespace', 'NamespaceProxy'],
  ['Value', 'ValueProxy'],
  ['Array', 'ArrayProxy'],
  ['Lock', 'AcquirerProxy'],
  ['RLock', 'AcquirerProxy'],
  ['Semaphore', 'AcquirerProxy'],
  ['BoundedSemaphore', 'AcquirerProxy'],
  ['Condition', 'ConditionProxy'],
  ['Event', 'EventProxy'],
  ['Barrier', 'BarrierProxy'],
  ['Iterator', 'IteratorProxy'],
  ['Pool', 'PoolProxy'],
]);

function defaultProxyClass(ref: WireRef): string {
  return PROXY_CLASS_BY_TYPEID.get(ref.typeid) ?? (ref.kind === 'list' ? 'ListProxy' : ref.kind === 'dict' ? 'DictProxy' : 'AutoProxy');
}

const BATCH = 1000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Writer {
  /** What is written before `current`, when the pickle outgrew its first buffer. */
  private chunks: Buffer[] | undefined;
  private current: Buffer;
  private used = 0;
  private readonly memo = new Map<unknown, number>();
  private readonly inProgress = new Set<unknown>();
  private readonly maxDepth: number;

  /** `buffer`: where to start writing (a scratch buffer the result may be a view into). */
  constructor(
    private readonly options: PickleWriteOptions,
    buffer: Buffer = Buffer.allocUnsafe(256),
  ) {
    this.maxDepth = options.maxDepth ?? 100;
    this.current = buffer;
  }

  /** The pickle: a view into the first buffer if it fit there, else a buffer of its own. */
  output(): Buffer {
    const last = this.current.subarray(0, this.used);
    if (this.chunks === undefined) return last;
    this.chunks.push(last);
    return Buffer.concat(this.chunks);
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'undefined':
        return this.bytes(Op.NONE);
      case 'boolean':
        return this.bytes(v ? Op.NEWTRUE : Op.NEWFALSE);
      case 'number':
        if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER && !Object.is(v, -0)) return this.int(v);
        return this.float(v);
      case 'bigint':
        return v >= -MAX_SAFE && v <= MAX_SAFE ? this.int(Number(v)) : this.long(v);
      case 'string':
        return this.str(v);
      case 'object':
        if (v === null) return this.bytes(Op.NONE);
        return this.object(v, depth);
      default:
        throw new ValueError(`cannot pickle a ${typeof v}`);
    }
  }

  private object(v: object, depth: number): void {
    const memoized = this.memo.get(v);
    if (memoized !== undefined) return this.get(memoized);
    if (depth >= this.maxDepth) throw new ValueError(`cannot pickle: nested deeper than maxDepth (${this.maxDepth}); a circular value?`);
    const ref = this.options.toWire?.(v);
    if (ref !== undefined) return this.proxy(ref, depth);
    if (Array.isArray(v)) return isTuple(v) ? this.tuple(v, depth) : this.list(v, depth);
    if (v instanceof Uint8Array) return v instanceof PyByteArray ? this.bytearray(v) : this.bin(v);
    if (v instanceof Map) return this.dict(v, v.entries(), depth);
    if (v instanceof Set) return this.set(v, depth);
    if (v instanceof Error) return this.exception(v, depth);
    if (v instanceof Token) return this.token(v, depth);
    if (v instanceof Slice) return this.reduce('builtins', 'slice', [v.start, v.stop, v.step], depth);
    if (v instanceof PyArray) return this.reduce('array', 'array', [v.typecode, [...v.items]], depth);
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return this.dict(v, Object.entries(v), depth);
    throw new ValueError(`cannot pickle ${Object.prototype.toString.call(v)} (${(v.constructor as { name?: string } | undefined)?.name ?? 'no class'})`);
  }

  // ---- containers

  private list(items: readonly unknown[], depth: number): void {
    this.bytes(Op.EMPTY_LIST);
    this.memoize(items);
    this.batched(items, Op.APPENDS, depth, (item) => this.value(item, depth + 1));
  }

  private tuple(items: readonly unknown[], depth: number): void {
    if (this.inProgress.has(items)) throw new ValueError('cannot pickle a tuple that contains itself');
    this.inProgress.add(items);
    if (items.length === 0) this.bytes(Op.EMPTY_TUPLE);
    else {
      if (items.length > 3) this.bytes(Op.MARK);
      for (const item of items) this.value(item, depth + 1);
      this.bytes(items.length > 3 ? Op.TUPLE : Op.TUPLE1 + items.length - 1);
    }
    this.inProgress.delete(items);
    this.memoize(items);
  }

  private dict(self: object, entries: Iterable<[unknown, unknown]>, depth: number): void {
    this.bytes(Op.EMPTY_DICT);
    this.memoize(self);
    this.batched(entries, Op.SETITEMS, depth, ([k, item]) => {
      this.value(k, depth + 1);
      this.value(item, depth + 1);
    });
  }

  private set(set: ReadonlySet<unknown>, depth: number): void {
    if (Object.isFrozen(set)) {
      this.bytes(Op.MARK);
      for (const item of set) this.value(item, depth + 1);
      this.bytes(Op.FROZENSET);
      return this.memoize(set);
    }
    this.bytes(Op.EMPTY_SET);
    this.memoize(set);
    this.batched(set, Op.ADDITEMS, depth, (item) => this.value(item, depth + 1));
  }

  /** MARK ... op, every BATCH items (as CPython), for lists, dicts and sets. */
  private batched<T>(items: Iterable<T>, op: Op, _depth: number, write: (item: T) => void): void {
    let n = 0;
    for (const item of items) {
      if (n === 0) this.bytes(Op.MARK);
      write(item);
      if (++n === BATCH) {
        this.bytes(op);
        n = 0;
      }
    }
    if (n > 0) this.bytes(op);
  }

  // ---- Python objects

  private exception(error: Error, depth: number): void {
    let name = error.name;
    let message = String(error.message);
    if (error instanceof RemoteError) {
      name = error.remoteName;
      if (message.startsWith(`${name}: `)) message = message.slice(name.length + 2);
    }
    let cls = PYTHON_CLASS_OF_ERROR.get(name);
    if (cls === undefined) {
      // No Python class of that name: a RuntimeError that says what it was.
      cls = ['builtins', 'RuntimeError'];
      message = `${name}: ${message}`;
    }
    this.reduce(cls[0], cls[1], [message], depth);
  }

  private token(token: Token, depth: number): void {
    this.global('multiprocessing.managers', 'Token');
    this.bytes(Op.EMPTY_TUPLE, Op.NEWOBJ);
    this.value(Object.freeze([token.typeid, addressValue(token.address), token.id]), depth + 1);
    this.bytes(Op.BUILD);
    this.memoize(token);
  }

  /** RebuildProxy(ProxyClass, Token, 'pickle', {'exposed': (...)} for AutoProxy): the receiver increfs on unpickling. */
  private proxy(ref: WireRef, depth: number): void {
    const cls = (this.options.proxyClassOf ?? defaultProxyClass)(ref);
    this.global('multiprocessing.managers', 'RebuildProxy');
    this.bytes(Op.MARK);
    this.global('multiprocessing.managers', cls);
    this.token(new Token(ref.typeid, ref.address, ref.id), depth + 1);
    this.str('pickle');
    const kwds = new Map<string, unknown>();
    if (cls === 'AutoProxy' && ref.exposed !== undefined) kwds.set('exposed', Object.freeze([...ref.exposed]));
    this.dict(kwds, kwds.entries(), depth + 1);
    this.bytes(Op.TUPLE, Op.REDUCE);
  }

  private reduce(module: string, name: string, args: unknown[], depth: number): void {
    this.global(module, name);
    this.tuple(Object.freeze(args), depth + 1);
    this.bytes(Op.REDUCE);
  }

  private global(module: string, name: string): void {
    this.str(module);
    this.str(name);
    this.bytes(Op.STACK_GLOBAL);
  }

  // ---- scalars

  private int(n: number): void {
    if (n >= 0 && n < 0x100) return this.bytes(Op.BININT1, n);
    if (n >= 0 && n < 0x10000) return this.bytes(Op.BININT2, n & 0xff, n >> 8);
    if (n >= -0x80000000 && n <= 0x7fffffff) {
      this.reserve(5);
      this.current[this.used++] = Op.BININT;
      this.current.writeInt32LE(n, this.used);
      this.used += 4;
      return;
    }
    this.long(BigInt(n));
  }

  /** LONG1/LONG4: little-endian two's complement, as few bytes as hold the sign. */
  private long(n: bigint): void {
    const out: number[] = [];
    let rest = n;
    for (;;) {
      const byte = Number(rest & 0xffn);
      out.push(byte);
      rest >>= 8n;
      if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) break;
    }
    if (out.length < 0x100) this.bytes(Op.LONG1, out.length);
    else this.lengthPrefixed(Op.LONG4, out.length, 4);
    this.append(Buffer.from(out));
  }

  private float(n: number): void {
    this.reserve(9);
    this.current[this.used++] = Op.BINFLOAT;
    this.current.writeDoubleBE(n, this.used);
    this.used += 8;
  }

  private str(text: string): void {
    if (text.length < 0x100 && this.shortAscii(text)) return;
    const data = encodeUtf8(text);
    if (data.length < 0x100) this.bytes(Op.SHORT_BINUNICODE, data.length);
    else if (data.length <= 0xffffffff) this.lengthPrefixed(Op.BINUNICODE, data.length, 4);
    else this.lengthPrefixed(Op.BINUNICODE8, data.length, 8);
    this.append(data);
  }

  /** Writes `text` as SHORT_BINUNICODE if it is ASCII (its UTF-8 is then its char codes); false otherwise, with nothing written. */
  private shortAscii(text: string): boolean {
    const n = text.length;
    this.reserve(2 + n);
    const out = this.current;
    let at = this.used + 2;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return false;
      out[at++] = code;
    }
    out[this.used] = Op.SHORT_BINUNICODE;
    out[this.used + 1] = n;
    this.used = at;
    return true;
  }

  private bin(data: Uint8Array): void {
    if (data.length < 0x100) this.bytes(Op.SHORT_BINBYTES, data.length);
    else if (data.length <= 0xffffffff) this.lengthPrefixed(Op.BINBYTES, data.length, 4);
    else this.lengthPrefixed(Op.BINBYTES8, data.length, 8);
    this.append(data);
  }

  /** bytearray(b'...') (protocol 4 has no BYTEARRAY8). */
  private bytearray(data: Uint8Array): void {
    this.global('builtins', 'bytearray');
    this.bin(data);
    this.bytes(Op.TUPLE1, Op.REDUCE);
  }

  // ---- memo and output

  private memoize(v: unknown): void {
    this.memo.set(v, this.memo.size);
    this.bytes(Op.MEMOIZE);
  }

  private get(index: number): void {
    if (index < 0x100) return this.bytes(Op.BINGET, index);
    this.lengthPrefixed(Op.LONG_BINGET, index, 4);
  }

  private lengthPrefixed(op: Op, n: number, width: 4 | 8): void {
    this.reserve(1 + width);
    this.current[this.used++] = op;
    if (width === 4) this.current.writeUInt32LE(n, this.used);
    else this.current.writeBigUInt64LE(BigInt(n), this.used);
    this.used += width;
  }

  bytes(...values: number[]): void {
    this.reserve(values.length);
    for (const b of values) this.current[this.used++] = b;
  }

  private append(data: Uint8Array): void {
    if (data.length > 4096) {
      (this.chunks ??= []).push(this.current.subarray(0, this.used), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      this.current = Buffer.allocUnsafe(256);
      this.used = 0;
      return;
    }
    this.reserve(data.length);
    this.current.set(data, this.used);
    this.used += data.length;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.current.length) return;
    (this.chunks ??= []).push(this.current.subarray(0, this.used));
    this.current = Buffer.allocUnsafe(Math.max(n, this.current.length * 2, 256));
    this.used = 0;
  }
}

function addressValue(address: Token['address']): unknown {
  if (address === undefined) return null;
  return typeof address === 'string' ? address : Object.freeze([...address]);
}


