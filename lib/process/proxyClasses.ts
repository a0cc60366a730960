// The library's proxy classes by name, so that a proxy passed to another process is rebuilt there
// with the same class (a QueueProxy stays a QueueProxy with its camelCase methods). A user-defined
// proxy class travels as its nearest built-in ancestor.
import { BaseProxy, type ProxyClass } from '../proxies/base.js';
import { AutoProxy } from '../proxies/auto.js';
import { ListProxy } from '../proxies/list.js';
import { DictProxy } from '../proxies/dict.js';
import { NamespaceProxy } from '../proxies/namespace.js';
import { ValueProxy, ArrayProxy } from '../proxies/value.js';
import { IteratorProxy } from '../proxies/iterator.js';
import { QueueProxy } from '../proxies/queue.js';
import { AcquirerProxy } from '../proxies/acquirer.js';
import { ConditionProxy } from '../proxies/condition.js';
import { EventProxy } from '../proxies/event.js';
import { BarrierProxy } from '../proxies/barrier.js';
import { PoolProxy, AsyncResultProxy, IMapIteratorProxy } from '../proxies/pool.js';

const BUILT_IN: ReadonlyMap<string, ProxyClass> = new Map<string, ProxyClass>(
  [
    AutoProxy,
    ListProxy,
    DictProxy,
    NamespaceProxy,
    ValueProxy,
    ArrayProxy,
    IteratorProxy,
    QueueProxy,
    AcquirerProxy,
    ConditionProxy,
    EventProxy,
    BarrierProxy,
    PoolProxy,
    AsyncResultProxy,
    IMapIteratorProxy,
  ].map((cls) => [cls.name, cls as ProxyClass]),
);

/** The name of the nearest built-in class of `proxy` (undefined for a plain BaseProxy). */
export function builtInProxyClassName(proxy: BaseProxy): string | undefined {
  for (let cls: unknown = proxy.constructor; typeof cls === 'function' && cls !== BaseProxy; cls = Object.getPrototypeOf(cls)) {
    const name = (cls as { name: string }).name;
    if (BUILT_IN.get(name) === cls) return name;
  }
  return undefined;
}

export function builtInProxyClass(name: string | undefined): ProxyClass | undefined {
  return name === undefined ? undefined : BUILT_IN.get(name);
}

/** True when `proxy` is an instance of one of the library's own classes (not a user's subclass). */
export function hasBuiltInClass(proxy: BaseProxy): boolean {
  const cls = proxy.constructor as { name: string };
  return cls === BaseProxy || BUILT_IN.get(cls.name) === cls;
}
