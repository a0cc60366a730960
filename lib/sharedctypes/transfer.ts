// How a sharedctypes object (or a lock of its own) travels to a worker thread: as a descriptor with
// its SharedArrayBuffer, which the structured clone shares rather than copies, and its element type
// (a typecode, or a Structure's name and fields: the receiving thread rebuilds an equivalent class,
// whose fields read the same memory, though it is not the sender's class).
import { ctypeOf, type CType, type StructureClass } from './ctypes.js';
import { Lock, RLock } from './lock.js';
import { Structure } from './structure.js';
import { SharedArray, SharedValue } from './values.js';
import { SHAREDCTYPES_DESCRIPTOR_KEY } from '../process/descriptorKeys.js';

export { SHAREDCTYPES_DESCRIPTOR_KEY };

type TypeDescriptor = string | { structure: string; fields: [string, string][] };
type LockDescriptor = { buffer: SharedArrayBuffer; recursive: boolean };

export interface SharedCTypeDescriptor {
  readonly [SHAREDCTYPES_DESCRIPTOR_KEY]:
    | { kind: 'value' | 'array'; buffer: SharedArrayBuffer; type: TypeDescriptor; lock: LockDescriptor | null }
    | { kind: 'lock'; lock: LockDescriptor };
}

export function isSharedCType(value: object): value is SharedValue<unknown> | SharedArray<unknown> | Lock | RLock {
  return value instanceof SharedValue || value instanceof SharedArray || value instanceof Lock || value instanceof RLock;
}

export function isSharedCTypeDescriptor(value: unknown): value is SharedCTypeDescriptor {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, SHAREDCTYPES_DESCRIPTOR_KEY);
}

export function describeSharedCType(value: SharedValue<unknown> | SharedArray<unknown> | Lock | RLock): SharedCTypeDescriptor {
  if (value instanceof Lock || value instanceof RLock) return { [SHAREDCTYPES_DESCRIPTOR_KEY]: { kind: 'lock', lock: describeLock(value) } };
  return {
    [SHAREDCTYPES_DESCRIPTOR_KEY]: {
      kind: value instanceof SharedArray ? 'array' : 'value',
      buffer: value.buffer,
      type: describeType(value.type),
      lock: value.lock === undefined ? null : describeLock(value.lock),
    },
  };
}

/** The object a descriptor stands for, over the same shared memory. */
export function rebuildSharedCType(descriptor: SharedCTypeDescriptor): SharedValue<unknown> | SharedArray<unknown> | Lock | RLock {
  const d = descriptor[SHAREDCTYPES_DESCRIPTOR_KEY];
  if (d.kind === 'lock') return rebuildLock(d.lock);
  const memory = { buffer: d.buffer, type: rebuildType(d.type), lock: d.lock === null ? undefined : rebuildLock(d.lock) };
  return d.kind === 'array' ? new SharedArray(memory) : new SharedValue(memory);
}

function describeLock(lock: Lock | RLock): LockDescriptor {
  return { buffer: lock.buffer, recursive: lock instanceof RLock };
}

function rebuildLock(lock: LockDescriptor): Lock | RLock {
  return lock.recursive ? new RLock(lock.buffer) : new Lock(lock.buffer);
}

function describeType(type: CType): TypeDescriptor {
  if (typeof type.spec === 'string') return type.spec;
  return { structure: type.spec.name, fields: type.spec._fields_.map(([name, code]) => [name, code]) };
}

/** Rebuilt Structure classes, by name and fields, so that every object of one type shares one class. */
const rebuiltStructures = new Map<string, StructureClass>();

function rebuildType(type: TypeDescriptor): CType {
  if (typeof type === 'string') return ctypeOf(type);
  const key = JSON.stringify(type);
  let cls = rebuiltStructures.get(key);
  if (cls === undefined) {
    const fields = type.fields;
    cls = { [type.structure]: class extends Structure {
      static override readonly _fields_ = fields;
    } }[type.structure];
    rebuiltStructures.set(key, cls);
  }
  return ctypeOf(cls);
}
