// Registries are per manager class and inherited: a subclass starts from a copy of its parent's
// registry the first time it registers something (CPython's copy-on-write `_registry`).
import type { TypeEntry } from '../server/registry.js';
import type { ProxyClass } from '../proxies/base.js';

type Entry = TypeEntry<ProxyClass>;
const registries = new WeakMap<object, Map<string, Entry>>();

/** The registry a manager class uses (its own, else its nearest ancestor's). */
export function registryOf(managerClass: object): ReadonlyMap<string, Entry> {
  for (let c: object | null = managerClass; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const own = registries.get(c);
    if (own !== undefined) return own;
  }
  return new Map();
}

/** The class's own registry, copied from its ancestor's on first write. */
export function ownRegistryOf(managerClass: object): Map<string, Entry> {
  let own = registries.get(managerClass);
  if (own === undefined) {
    own = new Map(registryOf(managerClass));
    registries.set(managerClass, own);
  }
  return own;
}
