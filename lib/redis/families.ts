// Every type this backend serves, and the proxy class each typeid gets (the library's own).
import type { ProxyClass } from '../proxies/base.js';
import { ListProxy } from '../proxies/list.js';
import { DictProxy } from '../proxies/dict.js';
import { NamespaceProxy } from '../proxies/namespace.js';
import { ValueProxy, ArrayProxy } from '../proxies/value.js';
import { QueueProxy } from '../proxies/queue.js';
import { AcquirerProxy } from '../proxies/acquirer.js';
import { ConditionProxy } from '../proxies/condition.js';
import { EventProxy } from '../proxies/event.js';
import { BarrierProxy } from '../proxies/barrier.js';
import type { TypeFamily } from './types/op.js';
import { dictFamily } from './types/dict.js';
import { listFamily } from './types/list.js';
import { namespaceFamily, valueFamily, arrayFamily } from './types/simple.js';
import { queueFamily } from './types/queue.js';
import { lockFamily, semaphoreFamily } from './types/locks.js';
import { eventFamily, conditionFamily, barrierFamily } from './types/sync.js';

export const FAMILIES: readonly TypeFamily[] = [
  dictFamily,
  listFamily,
  namespaceFamily,
  valueFamily,
  arrayFamily,
  queueFamily,
  lockFamily,
  semaphoreFamily,
  eventFamily,
  conditionFamily,
  barrierFamily,
];

export const PROXY_CLASSES: Readonly<Record<string, ProxyClass>> = {
  dict: DictProxy,
  list: ListProxy,
  Namespace: NamespaceProxy,
  Value: ValueProxy,
  Array: ArrayProxy,
  Queue: QueueProxy,
  JoinableQueue: QueueProxy,
  Lock: AcquirerProxy,
  RLock: AcquirerProxy,
  Semaphore: AcquirerProxy,
  BoundedSemaphore: AcquirerProxy,
  Condition: ConditionProxy,
  Event: EventProxy,
  Barrier: BarrierProxy,
};
