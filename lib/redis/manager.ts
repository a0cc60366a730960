// RedisManager: SyncManager's creators, with the objects kept in Redis (one server or a Cluster)
// instead of a manager process. The proxies are the library's own; only their Channel differs.
import { randomUUID } from 'node:crypto';
import createDebug from 'debug';
import { ConnectionClosedError, ManagerError, ValueError } from '../errors.js';
import type { BaseProxy } from '../proxies/base.js';
import type { ListProxy } from '../proxies/list.js';
import type { DictProxy, DictKey } from '../proxies/dict.js';
import type { NamespaceProxy } from '../proxies/namespace.js';
import type { ValueProxy, ArrayProxy } from '../proxies/value.js';
import type { QueueProxy } from '../proxies/queue.js';
import { AcquirerProxy } from '../proxies/acquirer.js';
import type { ConditionProxy } from '../proxies/condition.js';
import type { EventProxy } from '../proxies/event.js';
import type { BarrierProxy } from '../proxies/barrier.js';
import type { SharedRef } from '../manager/baseManager.js';
import { openClients, type Clients } from './clients.js';
import { cloneableOptions, settingsOf, type RedisManagerOptions, type Settings } from './options.js';
import { RedisStore } from './store.js';
import { ReplicaAcks } from './replicaAcks.js';
import { Notifier } from './notifier.js';
import { Holds } from './holds.js';
import { RedisChannel } from './channel.js';
import { FAMILIES } from './families.js';
import { anonymousId, namedId } from './keys.js';
import { fromRedisError } from './errors.js';
import type { Layout } from './types/op.js';
import { dictLayout } from './types/dict.js';
import { listLayout } from './types/list.js';
import { namespaceLayout, valueLayout, arrayLayout } from './types/simple.js';
import { queueLayout } from './types/queue.js';
import { semaphoreLayout } from './types/locks.js';
import { barrierLayout } from './types/sync.js';

const log = createDebug('mpmanagers:redis');

/** The creators, for anonymous objects (`manager.dict()`) or named ones (`manager.named('jobs').dict()`). */
export interface RedisCreators {
  list<T = unknown>(items?: Iterable<T>): Promise<ListProxy<T>>;
  dict<K extends DictKey = DictKey, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): Promise<DictProxy<K, V>>;
  Namespace<T extends Record<string, unknown> = Record<string, unknown>>(init?: T): Promise<NamespaceProxy<T>>;
  Value<T = number>(typecode: string, value: T): Promise<ValueProxy<T>>;
  Array<T = number>(typecode: string, items: readonly T[] | number): Promise<ArrayProxy<T>>;
  Queue<T = unknown>(maxsize?: number): Promise<QueueProxy<T>>;
  JoinableQueue<T = unknown>(maxsize?: number): Promise<QueueProxy<T>>;
  Lock(): Promise<AcquirerProxy>;
  RLock(): Promise<AcquirerProxy>;
  Semaphore(value?: number): Promise<AcquirerProxy>;
  BoundedSemaphore(value?: number): Promise<AcquirerProxy>;
  Condition(lock?: AcquirerProxy): Promise<ConditionProxy>;
  Event(): Promise<EventProxy>;
  Barrier(parties: number, timeout?: number | null): Promise<BarrierProxy>;
}

export class RedisManager implements RedisCreators {
  readonly options: RedisManagerOptions;
  private readonly settings: Settings;
  private clients: Clients | undefined;
  private channel: RedisChannel | undefined;
  private state: 'initial' | 'connected' | 'closed' = 'initial';
  /** This manager's holder id: in every lease it takes (`p<pid>-<random>`). */
  readonly holder = `p${process.pid}-${randomUUID().slice(0, 13)}`;

  constructor(options: RedisManagerOptions = {}) {
    this.options = options;
    this.settings = settingsOf(options);
  }

  async connect(): Promise<void> {
    if (this.state !== 'initial') throw new ManagerError(this.state === 'closed' ? 'this manager has been closed' : 'already connected');
    try {
      this.clients = await openClients(this.options, this.settings);
    } catch (error) {
      throw fromRedisError(error, 'connect');
    }
    const { client, subscriber, address } = this.clients;
    client.on('error', (error: Error) => log('redis client: %s', error.message));
    subscriber.on('error', (error: Error) => log('redis subscriber: %s', error.message));
    const store = new RedisStore(client, new Notifier(subscriber), this.holder, address, {
      prefix: this.settings.prefix,
      leaseMs: this.settings.leaseMs,
      recheckMs: this.settings.recheckMs,
      callTimeoutMs: this.settings.callTimeoutMs,
      codec: this.options.codec,
    });
    for (const family of FAMILIES) store.define(family);
    store.holds = new Holds(store);
    if (this.settings.replicaAcks > 0) {
      try {
        store.acks = await ReplicaAcks.open(client, this.settings.replicaAcks, this.settings.replicaAckTimeoutMs);
      } catch (error) {
        store.stop();
        client.disconnect();
        subscriber.disconnect();
        this.clients = undefined;
        throw fromRedisError(error, 'connect');
      }
    }
    this.channel = new RedisChannel(store, { kind: 'redis', options: cloneableOptions(this.options) });
    this.state = 'connected';
  }

  /** `redis://host:port/db` (or the cluster's seeds): what this manager's proxies' tokens carry. */
  get address(): string | undefined {
    return this.clients?.address;
  }

  /** The ioredis client (Redis or Cluster) this manager sends its commands through. */
  get client(): Clients['client'] {
    return this.requireChannel() && this.clients!.client;
  }

  /** Releases every reference this manager holds, then closes its connections; proxies' calls then reject ConnectionClosedError. */
  async close(): Promise<void> {
    if (this.state !== 'connected') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    const channel = this.channel!;
    channel.close();
    await channel.store.holds.releaseAll();
    const { client, subscriber } = this.clients!;
    await Promise.allSettled([channel.store.cmd(() => client.quit(), 'quit').catch(() => client.disconnect()), subscriber.quit(), channel.store.acks?.close()]);
    channel.store.stop();
  }

  /** Stops renewing leases and drops the connections without releasing anything (as a crash would). */
  _abandon(): void {
    this.state = 'closed';
    this.channel?.close('the RedisManager was abandoned');
    this.channel?.store.holds.stop();
    this.channel?.store.stop();
    this.clients?.client.disconnect();
    this.clients?.subscriber.disconnect();
    this.channel?.store.acks?.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The creators for named objects: any process that opens `named(n).dict()` gets the same dict (made on first use). */
  named(name: string): RedisCreators {
    return creatorsFor(this, name);
  }

  /** A proxy, holding its own reference, for an object another process described with `proxyRef`. */
  async _proxyFromRef(ref: SharedRef): Promise<any> {
    const channel = this.requireChannel();
    await channel.store.holds.adopt(ref.id);
    return channel.proxyFor(ref.typeid, ref.id);
  }

  /** How many objects this manager holds references to. */
  _numberOfHolds(): number {
    return this.requireChannel().store.holds.size;
  }

  list = <T = unknown>(items?: Iterable<T>) => this.make('list', undefined, (s) => listLayout(s, items)) as Promise<ListProxy<T>>;
  dict = <K extends DictKey = DictKey, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>) =>
    this.make('dict', undefined, (s) => dictLayout(s, init)) as Promise<DictProxy<K, V>>;
  Namespace = <T extends Record<string, unknown> = Record<string, unknown>>(init?: T) =>
    this.make('Namespace', undefined, (s) => namespaceLayout(s, init)) as Promise<NamespaceProxy<T>>;
  Value = <T = number>(typecode: string, value: T) => this.make('Value', undefined, (s) => valueLayout(s, typecode, value)) as Promise<ValueProxy<T>>;
  Array = <T = number>(typecode: string, items: readonly T[] | number) =>
    this.make('Array', undefined, (s) => arrayLayout(s, typecode, items)) as Promise<ArrayProxy<T>>;
  Queue = <T = unknown>(maxsize?: number) => this.make('Queue', undefined, () => queueLayout('Queue', maxsize)) as Promise<QueueProxy<T>>;
  JoinableQueue = <T = unknown>(maxsize?: number) =>
    this.make('JoinableQueue', undefined, () => queueLayout('JoinableQueue', maxsize)) as Promise<QueueProxy<T>>;
  Lock = () => this.make('Lock', undefined, () => ({ fields: { fence: 0 } })) as Promise<AcquirerProxy>;
  RLock = () => this.make('RLock', undefined, () => ({ fields: { fence: 0 } })) as Promise<AcquirerProxy>;
  Semaphore = (value?: number) => this.make('Semaphore', undefined, () => semaphoreLayout('Semaphore', value)) as Promise<AcquirerProxy>;
  BoundedSemaphore = (value?: number) =>
    this.make('BoundedSemaphore', undefined, () => semaphoreLayout('BoundedSemaphore', value)) as Promise<AcquirerProxy>;
  Condition = (lock?: AcquirerProxy) => this.makeCondition(undefined, lock);
  Event = () => this.make('Event', undefined, () => ({ fields: { flag: 0 } })) as Promise<EventProxy>;
  Barrier = (parties: number, timeout: number | null = null) =>
    this.make('Barrier', undefined, () => barrierLayout(parties, timeout)) as Promise<BarrierProxy>;

  /** @internal Creates (or, for a named object, opens) an object; resolves to its proxy. */
  async make(typeid: string, name: string | undefined, layoutOf: (store: RedisStore) => Layout): Promise<BaseProxy> {
    const channel = this.requireChannel();
    const store = channel.store;
    const id = name === undefined ? anonymousId(typeid) : namedId(typeid, name);
    const h = store.handle(id);
    const layout = layoutOf(store);
    const fields = Object.entries(layout.fields ?? {}).flatMap(([k, v]) => [k, String(v)]);
    const [kind, data] =
      layout.list !== undefined ? ['list', layout.list] : layout.hash !== undefined ? ['hash', layout.hash] : layout.value !== undefined ? ['string', [layout.value]] : ['none', []];
    const created = await store.run(h, 'create', [this.settings.leaseMs, h.anon ? 1 : 0, typeid, fields.length / 2, ...fields, kind, ...data]);
    store.holds.taken(id);
    if (created === 1 && layout.stored !== undefined && layout.stored.length > 0) await store.pin(h, layout.stored);
    return channel.proxyFor(typeid, id);
  }

  /** @internal A Condition keeps its lock's id; without one it gets an RLock of its own. Both are pinned to it. */
  async makeCondition(name: string | undefined, lock: AcquirerProxy | undefined): Promise<ConditionProxy> {
    const channel = this.requireChannel();
    let lockProxy = lock;
    if (lockProxy === undefined) lockProxy = (await this.make('RLock', name === undefined ? undefined : `${name}.lock`, () => ({ fields: { fence: 0 } }))) as AcquirerProxy;
    else if (!(lockProxy instanceof AcquirerProxy) || lockProxy._session !== channel || !['Lock', 'RLock'].includes(lockProxy._token.typeid)) {
      throw new ValueError('Condition(lock): lock must be a Lock or RLock of this manager');
    }
    const cond = await this.make('Condition', name, () => ({ fields: { lock: lockProxy._token.id } }));
    const store = channel.store;
    if (lockProxy._token.id.includes(':~')) await store.pin(store.handle(cond._token.id), [lockProxy._token.id]);
    if (lock === undefined) await lockProxy._release();
    return cond as ConditionProxy;
  }

  private requireChannel(): RedisChannel {
    if (this.state !== 'connected' || this.channel === undefined) {
      throw new ConnectionClosedError(this.state === 'closed' ? 'this manager has been closed' : 'not connected: call connect() first');
    }
    return this.channel;
  }
}

function creatorsFor(m: RedisManager, name: string): RedisCreators {
  return {
    list: (items) => m.make('list', name, (s) => listLayout(s, items)) as any,
    dict: (init) => m.make('dict', name, (s) => dictLayout(s, init)) as any,
    Namespace: (init) => m.make('Namespace', name, (s) => namespaceLayout(s, init)) as any,
    Value: (typecode, value) => m.make('Value', name, (s) => valueLayout(s, typecode, value)) as any,
    Array: (typecode, items) => m.make('Array', name, (s) => arrayLayout(s, typecode, items)) as any,
    Queue: (maxsize) => m.make('Queue', name, () => queueLayout('Queue', maxsize)) as any,
    JoinableQueue: (maxsize) => m.make('JoinableQueue', name, () => queueLayout('JoinableQueue', maxsize)) as any,
    Lock: () => m.make('Lock', name, () => ({ fields: { fence: 0 } })) as any,
    RLock: () => m.make('RLock', name, () => ({ fields: { fence: 0 } })) as any,
    Semaphore: (value) => m.make('Semaphore', name, () => semaphoreLayout('Semaphore', value)) as any,
    BoundedSemaphore: (value) => m.make('BoundedSemaphore', name, () => semaphoreLayout('BoundedSemaphore', value)) as any,
    Condition: (lock) => m.makeCondition(name, lock),
    Event: () => m.make('Event', name, () => ({ fields: { flag: 0 } })) as any,
    Barrier: (parties, timeout = null) => m.make('Barrier', name, () => barrierLayout(parties, timeout)) as any,
  };
}
