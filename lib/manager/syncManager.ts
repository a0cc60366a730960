// SyncManager: the manager with Python's built-in shared types already registered.
import { BaseManager } from './baseManager.js';
import { ListProxy } from '../proxies/list.js';
import { DictProxy, type DictKey } from '../proxies/dict.js';
import { NamespaceProxy } from '../proxies/namespace.js';
import { ValueProxy, ArrayProxy } from '../proxies/value.js';
import { QueueProxy } from '../proxies/queue.js';
import { AcquirerProxy } from '../proxies/acquirer.js';
import { ConditionProxy } from '../proxies/condition.js';
import { EventProxy } from '../proxies/event.js';
import { BarrierProxy } from '../proxies/barrier.js';
import { PoolProxy, AsyncResultProxy, IMapIteratorProxy } from '../proxies/pool.js';
import { PoolHost } from '../process/poolHost.js';
import type { PoolOptions } from '../process/pool.js';
import { Namespace, Value, SharedArray } from '../server/adapters/index.js';
import { ServerRef } from '../server/serverRef.js';
import { ValueError } from '../errors.js';
import { Queue, JoinableQueue, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier } from '../primitives/index.js';

export class SyncManager extends BaseManager {
  declare Queue: <T = unknown>(maxsize?: number) => Promise<QueueProxy<T>>;
  declare JoinableQueue: <T = unknown>(maxsize?: number) => Promise<QueueProxy<T>>;
  declare Event: () => Promise<EventProxy>;
  declare Lock: () => Promise<AcquirerProxy>;
  declare RLock: () => Promise<AcquirerProxy>;
  declare Semaphore: (value?: number) => Promise<AcquirerProxy>;
  declare BoundedSemaphore: (value?: number) => Promise<AcquirerProxy>;
  declare Condition: (lock?: AcquirerProxy) => Promise<ConditionProxy>;
  declare Barrier: (parties: number, timeout?: number | null) => Promise<BarrierProxy>;
  declare list: <T = unknown>(items?: Iterable<T>) => Promise<ListProxy<T>>;
  declare dict: <K extends DictKey = DictKey, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>) => Promise<DictProxy<K, V>>;
  declare Namespace: <T extends Record<string, unknown> = Record<string, unknown>>(init?: T) => Promise<NamespaceProxy<T>>;
  declare Value: <T = number>(typecode: string, value: T) => Promise<ValueProxy<T>>;
  declare Array: <T = number>(typecode: string, items: readonly T[] | number) => Promise<ArrayProxy<T>>;
  /** A worker pool in the server process; `options.module` is a path (resolved in the server's cwd) or a file URL string. */
  declare Pool: (processes: number | null | undefined, options: Omit<PoolOptions, 'module'> & { module: string }) => Promise<PoolProxy>;
}

SyncManager.register('Queue', { callable: (maxsize = 0) => new Queue(maxsize), proxytype: QueueProxy });
SyncManager.register('JoinableQueue', { callable: (maxsize = 0) => new JoinableQueue(maxsize), proxytype: QueueProxy });
SyncManager.register('Event', { callable: () => new Event(), proxytype: EventProxy });
SyncManager.register('Lock', { callable: () => new Lock(), proxytype: AcquirerProxy });
SyncManager.register('RLock', { callable: () => new RLock(), proxytype: AcquirerProxy });
SyncManager.register('Semaphore', { callable: (value = 1) => new Semaphore(value), proxytype: AcquirerProxy });
SyncManager.register('BoundedSemaphore', { callable: (value = 1) => new BoundedSemaphore(value), proxytype: AcquirerProxy });
SyncManager.register('Condition', { callable: (lock?: ServerRef | null) => new Condition(lockOf(lock)), proxytype: ConditionProxy });
SyncManager.register('Barrier', {
  callable: (parties: number, timeout: number | null = null) => new Barrier(parties, null, timeout),
  proxytype: BarrierProxy,
});
SyncManager.register('list', { callable: (items?: Iterable<unknown>) => [...(items ?? [])], proxytype: ListProxy });
SyncManager.register('dict', {
  callable: (init?: Iterable<readonly [unknown, unknown]> | Record<string, unknown>) => toMap(init),
  proxytype: DictProxy,
});
SyncManager.register('Namespace', { callable: (init?: Record<string, unknown>) => new Namespace(init), proxytype: NamespaceProxy });
SyncManager.register('Value', { callable: (typecode: string, value: unknown) => new Value(typecode, value), proxytype: ValueProxy });
SyncManager.register('Array', {
  callable: (typecode: string, items: unknown[] | number) => new SharedArray(typecode, items),
  proxytype: ArrayProxy,
});

SyncManager.register('Pool', { callable: PoolHost.create, proxytype: PoolProxy });
// What Pool's *_async methods return (method_to_typeid), as CPython registers it.
SyncManager.register('AsyncResult', { proxytype: AsyncResultProxy, createMethod: false });
// What Pool's imap / imap_unordered return: `next(timeout)` as CPython's IMapIterator.
SyncManager.register('IMapIterator', { proxytype: IMapIteratorProxy, createMethod: false });

function toMap(init: Iterable<readonly [unknown, unknown]> | Record<string, unknown> | undefined): Map<unknown, unknown> {
  if (init === undefined || init === null) return new Map();
  if (init instanceof Map) return new Map(init);
  if (Array.isArray(init)) return new Map(init as [unknown, unknown][]);
  return new Map(Object.entries(init));
}

/** A Condition's lock arrives as a reference to a shared Lock or RLock of this server. */
function lockOf(lock: ServerRef | null | undefined): Lock | RLock | undefined {
  if (lock === undefined || lock === null) return undefined;
  const referent = lock instanceof ServerRef ? lock.referent : undefined;
  if (referent instanceof Lock || referent instanceof RLock) return referent;
  throw new ValueError('Condition(lock): lock must be a Lock or RLock of this manager');
}
