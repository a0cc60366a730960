// The receiving side of sharedArgs.ts: rebuilds proxy descriptors as working proxies, with one
// manager connection per server address, authenticated with the given key (the process authkey a
// child inherits, or the key a pool was given). Closing the connections drops every reference they
// took, so the servers' refcounts return to what they were.
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import type { BaseProxy } from '../proxies/base.js';
import { SyncManager } from '../manager/syncManager.js';
import { registryOf } from '../manager/classRegistry.js';
import { isProxyDescriptor, PROXY_DESCRIPTOR_KEY, type ProxyDescriptor } from './sharedArgs.js';
import { builtInProxyClass } from './proxyClasses.js';

const log = createDebug('mpmanagers:process');

export class ProxyConnections {
  /** Address (JSON) and serializer → its connected manager. */
  private readonly managers = new Map<string, Promise<SyncManager>>();
  /**
   * Proxies made through pickle-mode connections: a CPython-protocol server counts references per
   * object, not per connection, so these are released one by one before their connection closes.
   */
  private readonly pickleProxies: BaseProxy[] = [];

  constructor(private readonly authkey: Uint8Array) {}

  /**
   * `value` (a structured-clone copy, owned by the caller) with each descriptor replaced, in place,
   * by a new proxy; each proxy made is pushed onto `made`.
   */
  async rebuild(value: unknown, made: BaseProxy[] = []): Promise<unknown> {
    if (isProxyDescriptor(value)) return this.proxyFor(value, made);
    const pending: Promise<void>[] = [];
    const result = this.walk(value, made, pending, new Set());
    await Promise.all(pending);
    return result;
  }

  /** Closes every connection (the server drops each reference they held). */
  async closeAll(): Promise<void> {
    const held = this.pickleProxies.splice(0);
    await Promise.all(held.map((proxy) => proxy._release().catch((error: unknown) => log('releasing %s failed: %O', proxy._describe(), error))));
    const managers = [...this.managers.values()];
    this.managers.clear();
    await Promise.all(
      managers.map(async (connecting) => {
        try {
          await (await connecting).close();
        } catch (error) {
          log('closing a manager connection failed: %O', error);
        }
      }),
    );
  }

  private walk(value: unknown, made: BaseProxy[], pending: Promise<void>[], seen: Set<object>): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return value;
    seen.add(value);
    const replace = (item: unknown, put: (v: unknown) => void): void => {
      if (isProxyDescriptor(item)) pending.push(this.proxyFor(item, made).then(put));
      else this.walk(item, made, pending, seen);
    };
    if (Array.isArray(value)) {
      value.forEach((item, i) => replace(item, (proxy) => (value[i] = proxy)));
    } else if (value instanceof Map) {
      for (const [k, v] of value) {
        replace(v, (proxy) => value.set(k, proxy));
        this.walk(k, made, pending, seen);
      }
    } else if (value instanceof Set) {
      for (const item of [...value]) {
        replace(item, (proxy) => {
          value.delete(item);
          value.add(proxy);
        });
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) replace(record[key], (proxy) => (record[key] = proxy));
    }
    return value;
  }

  private async proxyFor(descriptor: ProxyDescriptor, made: BaseProxy[]): Promise<BaseProxy> {
    const { ref, proxyClass } = descriptor[PROXY_DESCRIPTOR_KEY];
    const manager = await this.managerFor(ref.address, ref.serializer);
    // The manager class is private to this connection: teaching it the sender's proxy class for
    // this typeid affects nobody else.
    const cls = builtInProxyClass(proxyClass);
    const managerClass = manager.constructor as typeof SyncManager;
    if (cls !== undefined && registryOf(managerClass).get(ref.typeid)?.proxytype !== cls) {
      managerClass.register(ref.typeid, { proxytype: cls, createMethod: false });
    }
    const proxy = (await manager._proxyFromRef(ref)) as BaseProxy;
    made.push(proxy);
    if (ref.serializer === 'pickle') this.pickleProxies.push(proxy);
    return proxy;
  }

  private managerFor(address: Address, serializer: 'pickle' | undefined): Promise<SyncManager> {
    const key = JSON.stringify([address, serializer ?? 'msgpack']);
    let connecting = this.managers.get(key);
    if (connecting === undefined) {
      connecting = (async () => {
        const manager = new (class ChildConnection extends SyncManager {})({ address, authkey: this.authkey, serializer });
        await manager.connect();
        return manager;
      })();
      // A failed connection is not cached: the error reaches the caller, a later call may retry.
      connecting.catch(() => this.managers.delete(key));
      this.managers.set(key, connecting);
    }
    return connecting;
  }
}
