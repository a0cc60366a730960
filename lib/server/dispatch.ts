// Calls one method on one shared object, enforcing the exposure rules. Only names in the object's
// exposed set are callable, and never `constructor`, `__proto__`, `prototype` or anything inherited
// from Object.prototype / Function.prototype, whatever the exposed list says.
import { AttributeError } from '../errors.js';
import type { ObjectEntry } from './objectTable.js';
import type { CallContext } from './callContext.js';
import { getValueOf, pyRepr } from './adapters/index.js';
import { checkResultBytes, estimateEncodedBytes, maxResultBytes } from './adapters/resultSize.js';

const NEVER_CALLABLE = new Set(['constructor', '__proto__', 'prototype']);

/** Calls `method` on the entry's target; returns its result (maybe a Promise). Throws on refusal. */
export function dispatch(
  entry: ObjectEntry,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> | null,
  context: CallContext | undefined,
): unknown {
  if (entry.exposed.has(method)) {
    const callArgs = kwargs !== null && hasKeys(kwargs) ? [...args, kwargs] : args;
    const fn = lookupMethod(entry.target, method);
    if (fn !== undefined) {
      return entry.takesContext ? fn.call(entry.target, context, ...callArgs) : fn.apply(entry.target, callArgs);
    }
    // An explicit exposed list names the referent's own methods as the user wrote them: one the
    // adapter lacks (a generator's `next` or `return` behind the IteratorAdapter) is the referent's.
    if (entry.target !== entry.referent) {
      const own = lookupMethod(entry.referent, method);
      if (own !== undefined) return own.apply(entry.referent, callArgs);
    }
  }
  // CPython's fallbacks, used only when the name is not exposed (or not found).
  switch (method) {
    case '#GETVALUE':
      return getValueOf(entry.referent);
    case '__repr__':
    case '__str__':
      return reprOf(entry);
  }
  if (entry.exposed.has(method)) {
    throw new AttributeError(`'${entry.typeid}' object has no method '${method}' (it is in its exposed list)`);
  }
  throw new AttributeError(
    `method '${method}' of ${entry.typeid} object is not in exposed=[${entry.exposedList.map((m) => `'${m}'`).join(', ')}]`,
  );
}

/** The method a name resolves to, or undefined when it is missing or forbidden. */
export function lookupMethod(target: any, name: string): ((...a: unknown[]) => unknown) | undefined {
  if (NEVER_CALLABLE.has(name) || target === null || target === undefined) return undefined;
  let fn: unknown;
  try {
    fn = target[name];
  } catch {
    return undefined;
  }
  if (typeof fn !== 'function') return undefined;
  if (fn === (Object.prototype as any)[name] || fn === (Function.prototype as any)[name]) return undefined;
  return fn as (...a: unknown[]) => unknown;
}

function reprOf(entry: ObjectEntry): string {
  // A list or dict built up over many calls could have a repr of gigabytes: refuse it before building it.
  checkResultBytes(estimateEncodedBytes(entry.referent, maxResultBytes()), `the repr of this ${entry.typeid}`);
  const own = lookupMethod(entry.target, '__repr__') ?? lookupMethod(entry.referent, '__repr__');
  if (own !== undefined) return String(own.call(entry.target));
  return pyRepr(entry.referent);
}

function hasKeys(obj: object): boolean {
  for (const _ in obj) return true;
  return false;
}
