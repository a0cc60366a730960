// Python semantics for plain JS referents: which adapter the server calls methods on, and what
// `#GETVALUE` returns. Everything else in this folder is re-exported from here.
import type { ProxyKind } from '../../protocol.js';
import { DictAdapter } from './dictAdapter.js';
import { DictKeyIterator } from './dictKeyIterator.js';
import { IteratorAdapter } from './iteratorAdapter.js';
import { ListAdapter } from './listAdapter.js';
import { Namespace } from './namespace.js';
import { ObjectStore } from './objectStore.js';
import { isDict, isPlainObject } from './pyTypes.js';
import { SharedArray } from './sharedArray.js';
import { Value } from './value.js';

export { DictAdapter, DICT_EXPOSED, DICT_METHOD_TO_TYPEID } from './dictAdapter.js';
export { DictKeyIterator } from './dictKeyIterator.js';
export { IteratorAdapter, ITERATOR_EXPOSED } from './iteratorAdapter.js';
export { ListAdapter, LIST_EXPOSED, type SortKeywords } from './listAdapter.js';
export { Namespace, NAMESPACE_EXPOSED } from './namespace.js';
export { publicMethods } from './publicMethods.js';
export { pyCompare, pyEquals, pyList, pyRepr, pyTypeName, isDict, isPlainObject } from './pyValues.js';
export { SharedArray, ARRAY_EXPOSED } from './sharedArray.js';
export { checkTypecode, checkTypecodeValue, TYPECODES } from './typecodes.js';
export { Value, VALUE_EXPOSED } from './value.js';

/** The object the server calls methods on for a referent, and the proxy kind a client should use. */
export interface AdaptedReferent {
  target: object;
  kind: ProxyKind;
}

/**
 * An Array → ListAdapter (kind 'list'); a Map or plain object → DictAdapter (kind 'dict'); both
 * over the referent itself, so the server program sees every change. A generator, async generator
 * or built-in iterator (what a `method_to_typeid: 'Iterator'` method returns) → IteratorAdapter.
 * Anything else (Namespace, Value, SharedArray, class instances) is its own target (kind 'auto');
 * a primitive is boxed, None becomes an empty frozen object.
 */
export function adaptReferent(referent: unknown): AdaptedReferent {
  if (Array.isArray(referent)) return { target: new ListAdapter(referent), kind: 'list' };
  if (isDict(referent)) return { target: new DictAdapter(referent), kind: 'dict' };
  if (isBuiltInIterator(referent)) return { target: new IteratorAdapter(referent), kind: 'auto' };
  if (referent === null || referent === undefined) return { target: Object.freeze(Object.create(null) as object), kind: 'auto' };
  return { target: Object(referent) as object, kind: 'auto' };
}

/**
 * What `#GETVALUE` (a proxy's `_getValue()`) returns for a referent or its adapter: a shallow copy
 * of an array, Map or plain object (same kind), the attributes of a Namespace, the value of a
 * Value, the items of a SharedArray; any other object itself (the codec copies it onto the wire).
 */
export function getValueOf(referent: unknown): unknown {
  if (referent instanceof ListAdapter || referent instanceof DictAdapter) return getValueOf(referent.referent);
  if (Array.isArray(referent)) return referent.slice();
  if (referent instanceof Map) return new Map(referent);
  if (isPlainObject(referent)) return new ObjectStore(referent).copy();
  if (referent instanceof Namespace || referent instanceof SharedArray) return referent.getValue();
  if (referent instanceof Value) return referent.get();
  return referent;
}

/** Iterators with no methods of their own worth exposing: generators and the runtime's iterators. */
function isBuiltInIterator(value: unknown): value is Iterator<unknown> | AsyncIterator<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof DictKeyIterator) return true;
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]' || / Iterator\]$/.test(tag);
}
