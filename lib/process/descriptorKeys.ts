// The keys that mark what travels to a child in place of a live object (a proxy, a Pipe end, a
// sharedctypes object), kept in this leaf module so a child can tell whether its args hold any
// without loading the code that rebuilds them (most of the library: see processChild.ts).

/** A proxy's descriptor (sharedArgs.ts). */
export const PROXY_DESCRIPTOR_KEY = '__mpmanagers_proxy__';
/** A Pipe end's descriptor (mpconnection/pipeTransfer.ts). */
export const PIPE_DESCRIPTOR_KEY = '__mpmanagers_pipe__';
/** A sharedctypes object's descriptor (sharedctypes/transfer.ts). */
export const SHAREDCTYPES_DESCRIPTOR_KEY = '__mpmanagers_sharedctypes__';

const KEYS = [PROXY_DESCRIPTOR_KEY, PIPE_DESCRIPTOR_KEY, SHAREDCTYPES_DESCRIPTOR_KEY];

/**
 * True when `value` (a structured-clone copy) holds a descriptor at any depth: in arrays, plain
 * objects, and the keys and values of Maps and Sets, as the receivers walk them.
 */
export function holdsDescriptor(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return false;
  let items: Iterable<unknown>;
  if (Array.isArray(value) || value instanceof Set) items = value;
  else if (value instanceof Map) items = [...value.keys(), ...value.values()];
  else if (KEYS.some((key) => Object.prototype.hasOwnProperty.call(value, key))) return true;
  else items = Object.values(value);
  for (const item of items) if (holdsDescriptor(item, seen)) return true;
  return false;
}
