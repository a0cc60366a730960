// RedisChannel: the Channel (client/channel.ts) behind proxies of objects kept in Redis. A call is
// the type's operation (types/*), run against the object's keys; `decref` drops this manager's
// hold. Dict iteration hands out a local iterator over a snapshot of the keys.
import { AbortError, AttributeError, ConnectionClosedError, ManagerError, StopIteration } from '../errors.js';
import type { Channel } from '../client/channel.js';
import type { Address } from '../connection/address.js';
import { Token } from '../protocol.js';
import type { BaseProxy } from '../proxies/base.js';
import { IteratorProxy } from '../proxies/iterator.js';
import { ITERATOR_EXPOSED, pyRepr } from '../server/adapters/index.js';
import type { RedisStore } from './store.js';
import { FAMILIES, PROXY_CLASSES } from './families.js';
import type { Op } from './types/op.js';

const OPS = new Map<string, Record<string, Op>>(FAMILIES.map((f) => [f.name, f.ops]));

export class RedisChannel implements Channel {
  private closeError: ConnectionClosedError | undefined;
  private readonly iterators = new Map<string, Iterator<unknown>>();
  private nextIterator = 1;

  constructor(
    readonly store: RedisStore,
    /** Structured-cloneable: what a child process needs to reach the same Redis (see share.ts). */
    readonly share: unknown,
  ) {
    store.proxyFactory = (typeid, id) => this.proxyFor(typeid, id);
  }

  get address(): Address {
    return this.store.address;
  }

  get closed(): boolean {
    return this.closeError !== undefined;
  }

  close(why = 'the RedisManager was closed'): void {
    this.closeError ??= new ConnectionClosedError(why);
  }

  /** A proxy of the library's class for `typeid` (the caller accounts for its hold). */
  proxyFor(typeid: string, id: string): BaseProxy {
    const cls = PROXY_CLASSES[typeid];
    if (cls === undefined) throw new ManagerError(`no proxy type for '${typeid}'`);
    return new cls(new Token(typeid, this.address, id), this, cls._exposed_ ?? []);
  }

  /** Not async: a hot op's promise is handed back as it is, without another promise around it. */
  call(
    objectId: string | null,
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> | null = null,
    signal?: AbortSignal,
  ): Promise<unknown> {
    try {
      if (this.closeError !== undefined) throw this.closeError;
      if (signal?.aborted) throw new AbortError('the operation was aborted');
      if (objectId === null) return this.control(method, args);
      if (objectId.startsWith('iter:')) return Promise.resolve(this.iteratorCall(objectId, method));
      const h = this.store.handle(objectId);
      const ctx = { store: this.store, h, signal };
      const ops = OPS.get(h.family)!;
      const op = ops[method];
      if (op !== undefined) return op(ctx, args, kwargs);
      if (method === '__iter__' && h.family === 'dict') return ops.keys(ctx, [], null).then((keys) => this.iterate(keys));
      if (method === '__str__' || method === '__repr__') return ops['#GETVALUE'](ctx, [], null).then(pyRepr);
      throw new AttributeError(`'${h.typeid}' object (in Redis) has no method '${method}'`);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new ManagerError(String(error)));
    }
  }

  private async control(method: string, args: unknown[]): Promise<unknown> {
    if (method === 'decref') {
      const id = String(args[0]);
      if (id.startsWith('iter:')) this.iterators.delete(id);
      else await this.store.holds.release(id);
      return null;
    }
    if (method === 'incref') return this.store.holds.adopt(String(args[0]));
    if (method === 'dummy') return null;
    throw new ManagerError(`'${method}' is not available on a RedisManager`);
  }

  private iterate(items: unknown): IteratorProxy {
    const id = `iter:${this.nextIterator++}`;
    this.iterators.set(id, (items as unknown[])[Symbol.iterator]());
    return new IteratorProxy(new Token('Iterator', this.address, id), this, ITERATOR_EXPOSED);
  }

  private iteratorCall(id: string, method: string): unknown {
    const it = this.iterators.get(id);
    if (it === undefined || method === 'close') {
      this.iterators.delete(id);
      if (method === 'close') return null;
      throw new StopIteration();
    }
    const next = it.next();
    if (next.done) throw new StopIteration();
    return next.value;
  }
}
