// How a new referent becomes a table entry: adapt it (Python semantics for plain arrays and maps, a
// host for synchronization primitives), then work out what it exposes. Precedence as CPython: the
// registered list, else the proxy type's, else the adapter's standard list, else the referent's
// public methods; method_to_typeid names are added.
import type { TypeEntry } from './registry.js';
import type { NewObject } from './objectTable.js';
import type { ProxyKind } from '../protocol.js';
import { adaptReferent, publicMethods, LIST_EXPOSED, DICT_EXPOSED, DICT_METHOD_TO_TYPEID } from './adapters/index.js';
import { hostPrimitive } from './sync/index.js';

export function describeReferent(type: Pick<TypeEntry, 'typeid' | 'exposed' | 'methodToTypeid'>, referent: unknown): NewObject {
  const { target, kind, standardExposed } = adapt(referent);
  const methodToTypeid = type.methodToTypeid ?? (kind === 'dict' ? DICT_METHOD_TO_TYPEID : undefined);
  const base = type.exposed ?? standardExposed ?? publicMethods(target);
  const exposed = methodToTypeid === undefined ? [...base] : [...new Set([...base, ...Object.keys(methodToTypeid)])];
  return { typeid: type.typeid, referent, target, kind, exposed, methodToTypeid };
}

function adapt(referent: unknown): { target: object; kind: ProxyKind; standardExposed?: readonly string[] } {
  const hosted = hostPrimitive(referent);
  if (hosted !== undefined) return { target: hosted.target, kind: 'auto', standardExposed: hosted.exposed };
  const { target, kind } = adaptReferent(referent);
  const standardExposed = kind === 'list' ? LIST_EXPOSED : kind === 'dict' ? DICT_EXPOSED : undefined;
  return { target, kind, standardExposed };
}
