// mpmanagers: Python's multiprocessing.managers for TypeScript on Node.js.
export { BaseManager, type ManagerOptions } from './manager/baseManager.js';
export { SyncManager } from './manager/syncManager.js';
export { Server, type ServerOptions } from './server/server.js';
export type { RegisterOptions } from './server/registry.js';
export { ServerRef } from './server/serverRef.js';
export { BaseProxy, type ProxyClass, type WaitOptions } from './proxies/base.js';
export { AutoProxy } from './proxies/auto.js';
export { ListProxy } from './proxies/list.js';
export { DictProxy, type DictKey } from './proxies/dict.js';
export { NamespaceProxy } from './proxies/namespace.js';
export { ValueProxy, ArrayProxy } from './proxies/value.js';
export { IteratorProxy } from './proxies/iterator.js';
export { Token } from './protocol.js';
export type { Address } from './connection/address.js';
export { Slice } from './codec/slice.js';
export { Namespace, Value, SharedArray } from './server/adapters/index.js';
export {
  ManagerError,
  AuthenticationError,
  ConnectionClosedError,
  ProtocolError,
  RemoteError,
  Empty,
  Full,
  KeyError,
  IndexError,
  ValueError,
  TypeError,
  RangeError,
  RuntimeError,
  AttributeError,
  BrokenBarrierError,
  TimeoutError,
  StopIteration,
  AbortError,
  LimitError,
} from './errors.js';
export { QueueProxy } from './proxies/queue.js';
export { AcquirerProxy } from './proxies/acquirer.js';
export { ConditionProxy } from './proxies/condition.js';
export { EventProxy } from './proxies/event.js';
export { BarrierProxy } from './proxies/barrier.js';
export {
  Queue,
  JoinableQueue,
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  DEFAULT_OWNER,
} from './primitives/index.js';
export type { StartOptions } from './process/managerProcess.js';
export { Process, type ProcessOptions } from './process/process.js';
export { Pool, type PoolOptions } from './process/pool.js';
export { AsyncResult, type ResultCallbacks } from './process/asyncResult.js';
export { IMapIterator } from './process/imapIterator.js';
export { PoolProxy, AsyncResultProxy, IMapIteratorProxy } from './proxies/pool.js';
export { isMainModule, type ModuleName } from './process/modules.js';
export type { ReconnectOptions } from './client/reconnect.js';
export type { LimitOptions } from './server/limits.js';
export type { HeartbeatOptions } from './connection/heartbeat.js';
export {
  DESCRIPTION_VERSION,
  DESCRIBE_MAX_OBJECTS,
  type DescribeOptions,
  type ServerDescription,
  type ServerInfo,
  type ObjectInfo,
  type ObjectDetails,
  type ClientInfo,
  type OwnerId,
} from './server/description.js';
export { PermissionError } from './errors.js';
export { EOFError } from './errors.js';
export { ReplicaAckError } from './errors.js';
export { Pipe, Listener, Client, Connection, wait, type ListenerOptions, type ClientOptions } from './mpconnection/index.js';
export * as sharedctypes from './sharedctypes/index.js';
export { RedisManager, type RedisCreators } from './redis/manager.js';
export type { RedisManagerOptions } from './redis/options.js';
export { fencingToken } from './redis/fencing.js';
export { tuple, frozenset, isTuple, PyByteArray } from './codec/pickle/index.js';
export type { ProgressOptions } from './process/progress.js';
