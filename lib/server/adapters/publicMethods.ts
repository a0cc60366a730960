// CPython's `public_methods(obj)` for JS objects: what a referent exposes when nobody said.
// Getters are never invoked while collecting (reading one could have side effects).

// Names every object inherits from Object.prototype (toString, valueOf, hasOwnProperty, ...): never
// exposed, even when a class redefines them. Python's equivalents are all dunder names.
const OBJECT_MEMBERS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Sorted names of the callable properties of `obj` and its prototype chain, except names starting
 * with `_`, `constructor`, Object.prototype's names, symbols, getters/setters, and anything found on
 * Object.prototype or Function.prototype themselves. The closest definition of a name decides (a
 * getter shadowing an inherited method hides it).
 */
export function publicMethods(obj: unknown): string[] {
  if (obj === null || obj === undefined) return [];
  const names = new Set<string>();
  const seen = new Set<string>();
  let level: object | null = typeof obj === 'object' || typeof obj === 'function' ? obj : Object.getPrototypeOf(obj);
  while (level !== null && level !== Object.prototype && level !== Function.prototype) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(level, name);
      if (descriptor === undefined || !('value' in descriptor) || typeof descriptor.value !== 'function') continue;
      if (name.startsWith('_') || name === 'constructor' || OBJECT_MEMBERS.has(name)) continue;
      names.add(name);
    }
    level = Object.getPrototypeOf(level) as object | null;
  }
  return Array.from(names).sort();
}
