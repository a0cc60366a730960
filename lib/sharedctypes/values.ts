// Value and Array of sharedctypes: typed memory in a SharedArrayBuffer, with an optional lock
// (lock.ts). A worker thread given one (a Pool task, a Process with `thread: true`) works on the
// same memory. As in CPython, `.value` and indexing read and write the memory; a compound update
// (`v.value += 1`) is only safe from other threads under `getLock()`.
import { AttributeError, IndexError, TypeError as PyTypeError, ValueError } from '../errors.js';
import { ctypeOf, type CType, type CTypeSpec } from './ctypes.js';
import { Lock, RLock } from './lock.js';

/** Value's and Array's `lock` option: true (default) a new RLock, false none, or a Lock/RLock to share. */
export type LockOption = boolean | Lock | RLock;

export interface SharedOptions {
  lock?: LockOption;
}

/** Where an object's memory is, and its lock: what a thread needs to rebuild it (transfer.ts). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  readonly type: CType;
  readonly lock: Lock | RLock | undefined;
}

abstract class SharedCType implements SharedMemory {
  readonly buffer: SharedArrayBuffer;
  readonly type: CType;
  readonly lock: Lock | RLock | undefined;
  protected readonly view: DataView;

  protected constructor(memory: SharedMemory) {
    this.buffer = memory.buffer;
    this.type = memory.type;
    this.lock = memory.lock;
    this.view = new DataView(memory.buffer);
  }

  /** The lock of a synchronized object; AttributeError for a raw one (made with `lock: false`, or RawValue/RawArray). */
  getLock(): Lock | RLock {
    if (this.lock === undefined) throw new AttributeError("this sharedctypes object has no lock (it was made with lock: false): 'getLock'");
    return this.lock;
  }

  /** The object itself (CPython's get_obj(), the raw ctypes object of a synchronized wrapper). */
  getObj(): this {
    return this;
  }
}

export class SharedValue<T = number> extends SharedCType {
  /** Made by Value() and RawValue(), or rebuilt in another thread from `memory`. */
  constructor(memory: SharedMemory) {
    super(memory);
  }

  get value(): T {
    return this.type.read(this.view, 0) as T;
  }
  set value(value: T) {
    this.type.write(this.view, 0, value);
  }

  override toString(): string {
    return `${this.lock === undefined ? '' : 'Synchronized'}Value(${String(this.value)})`;
  }
}

/** An array in shared memory; `a[i]` reads and writes element i (negative i counts from the end, as Python). */
export class SharedArray<T = number> extends SharedCType implements Iterable<T> {
  readonly length: number;
  [index: number]: T;

  /** Made by Array() and RawArray(), or rebuilt in another thread from `memory`. Returns an indexable proxy. */
  constructor(memory: SharedMemory) {
    super(memory);
    this.length = memory.buffer.byteLength / memory.type.size;
    return new Proxy(this, INDEXING) as this;
  }

  get(index: number): T {
    return this.type.read(this.view, this.offsetOf(index)) as T;
  }

  set(index: number, value: T): void {
    this.type.write(this.view, this.offsetOf(index), value);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** The elements as a plain array (Structures stay views of the shared memory). */
  toArray(): T[] {
    return [...this];
  }

  /** Python's `a[start:stop]`: a plain array of the elements. */
  slice(start?: number, stop?: number): T[] {
    return this.toArray().slice(start, stop);
  }

  /**
   * `'c'` arrays: the bytes up to the first NUL (a Buffer); `'u'` arrays: the string up to the
   * first NUL. Setting writes the bytes (a string is taken as latin1) or the string, NUL-terminated
   * if shorter than the array. ValueError for more than fits; AttributeError for other typecodes.
   */
  get value(): T extends number ? never : Buffer | string {
    const raw = this.textualRaw();
    const end = raw.indexOf(0);
    const bytes = end < 0 ? raw : raw.subarray(0, end);
    return (bytes instanceof Uint8Array ? Buffer.from(bytes) : String.fromCodePoint(...bytes)) as never;
  }
  set value(value: Buffer | Uint8Array | string) {
    const items = this.type.spec === 'c' ? [...(typeof value === 'string' ? Buffer.from(value, 'latin1') : value)] : [...String(value)];
    this.textualRaw();
    if (items.length > this.length) throw new ValueError('byte string too long');
    items.forEach((item, i) => this.set(i, (this.type.spec === 'c' ? Buffer.of(item as number) : item) as T));
    if (items.length < this.length) this.set(items.length, (this.type.spec === 'c' ? Buffer.of(0) : '\0') as T);
  }

  /** `'c'` arrays: every byte, NULs included. */
  get raw(): Buffer {
    if (this.type.spec !== 'c') throw new AttributeError("only 'c' arrays have 'raw'");
    return Buffer.from(new Uint8Array(this.buffer).slice());
  }

  override toString(): string {
    return `${this.lock === undefined ? '' : 'Synchronized'}Array(${JSON.stringify(this.toArray())})`;
  }

  /** The bytes (c) or code units (u) of a textual array, by element. */
  private textualRaw(): Uint8Array | Uint32Array {
    if (this.type.spec === 'c') return new Uint8Array(this.buffer);
    if (this.type.spec === 'u') return new Uint32Array(this.buffer);
    throw new AttributeError("only 'c' and 'u' arrays have 'value'");
  }

  private offsetOf(index: number): number {
    if (!Number.isInteger(index)) throw new PyTypeError('array indices must be integers');
    const i = index < 0 ? index + this.length : index;
    if (i < 0 || i >= this.length) throw new IndexError('invalid index');
    return i * this.type.size;
  }
}

/** `a[i]` and `a[i] = v` on a SharedArray; every other property as usual. */
const INDEXING: ProxyHandler<SharedArray<unknown>> = {
  get(target, property, receiver) {
    if (typeof property === 'string' && isIndex(property)) return target.get(Number(property));
    return Reflect.get(target, property, receiver) as unknown;
  },
  set(target, property, value, receiver) {
    if (typeof property === 'string' && isIndex(property)) {
      target.set(Number(property), value);
      return true;
    }
    return Reflect.set(target, property, value, receiver);
  },
  has(target, property) {
    if (typeof property === 'string' && isIndex(property)) {
      const i = Number(property);
      return i >= -target.length && i < target.length;
    }
    return Reflect.has(target, property);
  },
};

function isIndex(property: string): boolean {
  return /^-?(0|[1-9][0-9]*)$/.test(property);
}

/** A shared value. `lock`: true (default) a new RLock, false none, or a Lock/RLock of sharedctypes. */
export function Value<T = number>(type: CTypeSpec, value?: unknown, options: SharedOptions = {}): SharedValue<T> {
  const ctype = ctypeOf(type);
  const memory = { buffer: new SharedArrayBuffer(ctype.size), type: ctype, lock: lockOf(options.lock) };
  const shared = new SharedValue<T>(memory);
  if (value !== undefined) shared.value = value as T;
  return shared;
}

/** A shared value without a lock. */
export function RawValue<T = number>(type: CTypeSpec, value?: unknown): SharedValue<T> {
  return Value<T>(type, value, { lock: false });
}

/**
 * A shared array of `sizeOrInit` zeroed elements, or of the given elements (a string or bytes for
 * `'c'`, each element's fields for a Structure). `lock` as Value's.
 */
export function Array<T = number>(type: CTypeSpec, sizeOrInit: number | Iterable<unknown> | string, options: SharedOptions = {}): SharedArray<T> {
  const ctype = ctypeOf(type);
  const items = typeof sizeOrInit === 'number' ? undefined : elementsOf(ctype, sizeOrInit);
  const length = items?.length ?? sizeOrInit;
  if (!Number.isInteger(length) || (length as number) < 0) throw new ValueError(`array size must be a non-negative integer, not ${String(sizeOrInit)}`);
  const memory = { buffer: new SharedArrayBuffer((length as number) * ctype.size), type: ctype, lock: lockOf(options.lock) };
  const shared = new SharedArray<T>(memory);
  items?.forEach((item, i) => shared.set(i, item as T));
  return shared;
}

/** A shared array without a lock. */
export function RawArray<T = number>(type: CTypeSpec, sizeOrInit: number | Iterable<unknown> | string): SharedArray<T> {
  return Array<T>(type, sizeOrInit, { lock: false });
}

function elementsOf(type: CType, init: Iterable<unknown> | string): unknown[] {
  if (typeof init === 'string') {
    if (type.spec === 'c') return [...Buffer.from(init, 'latin1')].map((byte) => Buffer.of(byte));
    if (type.spec === 'u') return [...init];
  }
  if (init instanceof Uint8Array && type.spec === 'c') return [...init].map((byte) => Buffer.of(byte));
  if (init === null || typeof (init as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new PyTypeError('Array(type, sizeOrInit): sizeOrInit must be a size or an iterable of elements');
  }
  return [...(init as Iterable<unknown>)];
}

function lockOf(option: LockOption | undefined): Lock | RLock | undefined {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return undefined;
  if (option instanceof Lock || option instanceof RLock) return option;
  throw new PyTypeError(
    "lock must be true, false, or a sharedctypes Lock or RLock (a Lock of lib/primitives works within one thread only)",
  );
}

/** CPython's sharedctypes.copy(): a new raw (lock-free) object with a copy of `obj`'s memory. */
export function copy<T extends SharedValue<unknown> | SharedArray<unknown>>(obj: T): T {
  const buffer = new SharedArrayBuffer(obj.buffer.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(obj.buffer));
  const memory = { buffer, type: obj.type, lock: undefined };
  return (obj instanceof SharedArray ? new SharedArray(memory) : new SharedValue(memory)) as T;
}

/** CPython's sharedctypes.synchronized(): the same memory as `obj`, with `lock` (default a new RLock). */
export function synchronized<T extends SharedValue<unknown> | SharedArray<unknown>>(obj: T, lock?: Lock | RLock): T {
  const memory = { buffer: obj.buffer, type: obj.type, lock: lockOf(lock ?? true) };
  return (obj instanceof SharedArray ? new SharedArray(memory) : new SharedValue(memory)) as T;
}
