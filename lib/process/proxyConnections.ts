// The receiving side of sharedArgs.ts: rebuilds proxy descriptors as working proxies, with one
// manager connection per server address, authenticated as the sender's manager was (its authkey and
// TLS options, see proxyCredentials.ts), else with the given key (the process authkey a child
// inherits, or the key a pool was given). A user's proxy class is found by importing the module of
// the manager class that registers it. Closing the connections drops every reference they took, so
// the servers' refcounts return to what they were.
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import type { BaseProxy } from '../proxies/base.js';
import { SyncManager } from '../manager/syncManager.js';
import type { SharedRef } from '../manager/baseManager.js';
import { registryOf } from '../manager/classRegistry.js';
import type { ProxyClass } from '../proxies/base.js';
import type { ManagerClassName } from '../manager/channelOrigins.js';
import { isProxyDescriptor, PROXY_DESCRIPTOR_KEY, type ProxyDescriptor } from './sharedArgs.js';
import { builtInProxyClass } from './proxyClasses.js';
import { addressKey, type ProxyCredentials } from './proxyCredentials.js';
import { closeReceivedPipeEnds, isLocalDescriptor, rebuildLocal } from './localArgs.js';

const log = createDebug('mpmanagers:process');

export class ProxyConnections {
  /** Address (JSON) and serializer → its connected manager. */
  private readonly managers = new Map<string, Promise<SyncManager>>();
  /** Address (JSON) → how the sender connected to it. */
  private readonly credentials = new Map<string, ProxyCredentials>();
  /** Manager class module URL + export → the proxy classes it registers (typeid → class). */
  private readonly registeredClasses = new Map<string, Promise<Map<string, ProxyClass>>>();
  /** Backend description (JSON) → its connected manager (a RedisManager: see lib/redis/share.ts). */
  private readonly backends = new Map<string, Promise<{ _proxyFromRef(ref: SharedRef): Promise<unknown>; close(): Promise<void> }>>();
  /**
   * Proxies made through pickle-mode connections: a CPython-protocol server counts references per
   * object, not per connection, so these are released one by one before their connection closes.
   */
  private readonly pickleProxies: BaseProxy[] = [];

  constructor(
    private readonly authkey: Uint8Array,
    credentials: readonly ProxyCredentials[] = [],
  ) {
    this.learn(credentials);
  }

  /** Connect to these addresses as given (for connections not made yet). */
  learn(credentials: readonly ProxyCredentials[]): void {
    for (const entry of credentials) this.credentials.set(addressKey(entry.address), entry);
  }

  /**
   * `value` (a structured-clone copy, owned by the caller) with each descriptor replaced, in place,
   * by a new proxy; each proxy made is pushed onto `made`.
   */
  async rebuild(value: unknown, made: BaseProxy[] = []): Promise<unknown> {
    if (isProxyDescriptor(value)) return this.proxyFor(value, made);
    if (isLocalDescriptor(value)) return rebuildLocal(value);
    const pending: Promise<void>[] = [];
    const result = this.walk(value, made, pending, new Set());
    await Promise.all(pending);
    return result;
  }

  /** Closes every connection (the server drops each reference they held), and the Pipe ends received, once flushed. */
  async closeAll(): Promise<void> {
    const held = this.pickleProxies.splice(0);
    await Promise.all(held.map((proxy) => proxy._release().catch((error: unknown) => log('releasing %s failed: %O', proxy._describe(), error))));
    await closeReceivedPipeEnds();
    const managers: Promise<{ close(): Promise<void> }>[] = [...this.managers.values(), ...this.backends.values()];
    this.managers.clear();
    this.backends.clear();
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
      else if (isLocalDescriptor(item)) put(rebuildLocal(item));
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
    const { ref, proxyClass, managerClass: senderClass } = descriptor[PROXY_DESCRIPTOR_KEY];
    if (ref.backend !== undefined) {
      const proxy = (await (await this.backendFor(ref.backend))._proxyFromRef(ref)) as BaseProxy;
      made.push(proxy);
      return proxy;
    }
    const manager = await this.managerFor(ref.address, ref.serializer);
    // The manager class is private to this connection: teaching it the sender's proxy class for
    // this typeid affects nobody else.
    const custom = senderClass === undefined ? undefined : (await this.proxyClassesOf(senderClass)).get(ref.typeid);
    const cls = custom ?? builtInProxyClass(proxyClass);
    const managerClass = manager.constructor as typeof SyncManager;
    if (cls !== undefined && registryOf(managerClass).get(ref.typeid)?.proxytype !== cls) {
      managerClass.register(ref.typeid, { proxytype: cls, createMethod: false });
    }
    const proxy = (await manager._proxyFromRef(ref)) as BaseProxy;
    made.push(proxy);
    if (ref.serializer === 'pickle') this.pickleProxies.push(proxy);
    return proxy;
  }

  private backendFor(backend: unknown): Promise<{ _proxyFromRef(ref: SharedRef): Promise<unknown>; close(): Promise<void> }> {
    const key = JSON.stringify(backend);
    let connecting = this.backends.get(key);
    if (connecting === undefined) {
      connecting = import('../redis/share.js').then((share) => share.openShared(backend));
      connecting.catch(() => this.backends.delete(key));
      this.backends.set(key, connecting);
    }
    return connecting;
  }

  private managerFor(address: Address, serializer: 'pickle' | undefined): Promise<SyncManager> {
    const key = JSON.stringify([address, serializer ?? 'msgpack']);
    let connecting = this.managers.get(key);
    if (connecting === undefined) {
      connecting = (async () => {
        const credentials = this.credentials.get(addressKey(address));
        const manager = new (class ChildConnection extends SyncManager {})({
          address,
          authkey: credentials?.authkey ?? this.authkey,
          tls: credentials?.tls,
          serializer,
        });
        await manager.connect();
        return manager;
      })();
      // A failed connection is not cached: the error reaches the caller, a later call may retry.
      connecting.catch(() => this.managers.delete(key));
      this.managers.set(key, connecting);
    }
    return connecting;
  }

  /**
   * The proxy classes the named manager class registers; empty (the proxies then get their nearest
   * built-in class) when its module cannot be imported here or does not export a manager class.
   */
  private proxyClassesOf(name: ManagerClassName): Promise<Map<string, ProxyClass>> {
    const key = `${name.module}#${name.export}`;
    let classes = this.registeredClasses.get(key);
    if (classes === undefined) {
      classes = (async () => {
        const found = new Map<string, ProxyClass>();
        try {
          const exported = ((await import(name.module)) as Record<string, unknown>)[name.export];
          if (typeof exported !== 'function') throw new Error(`export '${name.export}' is not a class`);
          for (const [typeid, entry] of registryOf(exported)) {
            if (entry.proxytype !== undefined) found.set(typeid, entry.proxytype);
          }
        } catch (error) {
          log('proxy classes of %s (%s) unavailable, using built-in classes: %O', name.export, name.module, error);
        }
        return found;
      })();
      this.registeredClasses.set(key, classes);
    }
    return classes;
  }
}
