// Arguments for another process or worker thread (a Process target, a Pool task, an initializer):
// Node's structured clone copies plain data, but not proxies. Each proxy, at any depth in arrays,
// plain objects, Maps and Sets, is replaced by a descriptor (`proxyRef` + its class name); the
// receiver rebuilds it as a working proxy on its own connection (see proxyConnections.ts), as
// CPython's RebuildProxy does. The sender must keep its proxies alive until the receiver is done.
import { BaseProxy } from '../proxies/base.js';
import { ManagerError, TypeError as PyTypeError } from '../errors.js';
import { proxyRef, type SharedRef } from '../manager/baseManager.js';
import { originOf, type ManagerClassName } from '../manager/channelOrigins.js';
import { builtInProxyClassName, hasBuiltInClass } from './proxyClasses.js';
import type { ArgsTransfer } from './argsTransfer.js';
import { PROXY_DESCRIPTOR_KEY } from './descriptorKeys.js';

/** The key that marks a descriptor: a plain object with this one key. */
export { PROXY_DESCRIPTOR_KEY };

export interface ProxyDescriptor {
  readonly [PROXY_DESCRIPTOR_KEY]: {
    readonly ref: SharedRef;
    /** The proxy's class (or nearest built-in ancestor) among the library's classes. */
    readonly proxyClass: string | undefined;
    /** For a user's proxy class: the manager class that registers it, when its module is named. */
    readonly managerClass?: ManagerClassName;
  };
}

/**
 * A copy of `value` with every proxy replaced by its descriptor; each proxy found is pushed onto
 * `found`. Shared and circular structure is preserved. Other class instances are left for the
 * structured clone (which copies their own data, not their prototype), except those `transfer`
 * describes (Pipe ends, primitives, sharedctypes: see argsTransfer.ts).
 */
export function describeProxies(value: unknown, found: BaseProxy[] = [], transfer?: ArgsTransfer): unknown {
  return describe(value, found, new Map(), transfer);
}

export function isProxyDescriptor(value: unknown): value is ProxyDescriptor {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, PROXY_DESCRIPTOR_KEY);
}

/** A structured-clone failure (a function among the args, say) as a TypeError naming what failed. */
export function notTransferable(what: string, error: unknown): PyTypeError {
  return new PyTypeError(`${what} cannot be sent to another process: ${(error as Error)?.message ?? String(error)}`);
}

function describe(value: unknown, found: BaseProxy[], copies: Map<object, unknown>, transfer: ArgsTransfer | undefined): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (value instanceof BaseProxy) {
    if (value._released) throw new ManagerError(`${value._describe()} was released and cannot be shared`);
    found.push(value);
    const managerClass = hasBuiltInClass(value) ? undefined : originOf(value._session)?.managerClass;
    const descriptor: ProxyDescriptor = {
      [PROXY_DESCRIPTOR_KEY]: { ref: proxyRef(value), proxyClass: builtInProxyClassName(value), ...(managerClass && { managerClass }) },
    };
    copies.set(value, descriptor);
    return descriptor;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    for (const item of value) copy.push(describe(item, found, copies, transfer));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    for (const [k, v] of value) copy.set(describe(k, found, copies, transfer), describe(v, found, copies, transfer));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    for (const item of value) copy.add(describe(item, found, copies, transfer));
    return copy;
  }
  const special = transfer?.describe(value);
  if (special !== undefined) {
    copies.set(value, special);
    return special;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
    copies.set(value, copy);
    for (const [k, v] of Object.entries(value)) copy[k] = describe(v, found, copies, transfer);
    return copy;
  }
  return value;
}
