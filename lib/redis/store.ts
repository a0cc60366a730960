// What every type's operations use: the client, the scripts (sent as EVALSHA, with a fallback to
// EVAL the first time a server sees one), the codec (msgpack with the wire's extension types; proxies
// inside values travel as references) and this manager's holds on objects.
import { createHash } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { Codec, type CodecOptions } from '../codec/codec.js';
import { ConnectionClosedError, ManagerError } from '../errors.js';
import { BaseProxy } from '../proxies/base.js';
import { Token, type WireRef } from '../protocol.js';
import type { Address } from '../connection/address.js';
import { sameAddress } from '../connection/address.js';
import { script } from './lua/prelude.js';
import { CREATE, PIN, RELEASE, RENEW } from './lua/lifecycle.js';
import { fromRedisError, replyMessage } from './errors.js';
import { decodeScalar, encodeScalar, NOT_SCALAR } from './scalars.js';
import { Deadlines, Pending } from './deadlines.js';
import { retryWhileMoving, slotMoving } from './migrating.js';
import { isAnonymous, objectKeys, typeidOf, eventChannel } from './keys.js';
import type { Notifier } from './notifier.js';
import type { Holds } from './holds.js';
import type { ReplicaAcks } from './replicaAcks.js';

/** The scripts of one family of types (dict, queue, lock...), and the hooks its lifecycle scripts run. */
export interface Family {
  name: string;
  typeids: readonly string[];
  hooks?: string;
  scripts: Record<string, string>;
}

export interface ObjectHandle {
  id: string;
  typeid: string;
  family: string;
  keys: string[];
  anon: boolean;
  channel: string;
  /** Until when (Date.now()) its scripts are sent outside auto-pipelining: its slot was seen migrating (migrating.ts). */
  movingUntil: number;
}

export interface StoreSettings {
  prefix: string;
  leaseMs: number;
  recheckMs: number;
  /** Longest wait for a command's reply before it rejects ConnectionClosedError; 0: no limit. */
  callTimeoutMs?: number;
  codec?: CodecOptions;
}

export type Arg = string | number | Buffer;

/** ioredis has these at run time (a Buffer variant of every command) but does not type them. */
interface ScriptCommands {
  evalshaBuffer(sha: string, numkeys: number, ...args: Arg[]): Promise<unknown>;
  evalBuffer(lua: string, numkeys: number, ...args: Arg[]): Promise<unknown>;
}

/** How long an object's scripts are sent alone after its slot was last seen migrating. */
const MOVING_ALONE_MS = 1000;

export class RedisStore {
  private readonly familyOf = new Map<string, string>();
  private readonly codec: Codec;
  /** The Codec's limits that scalars.ts must respect to give the same answers. */
  private readonly maxMessage: number;
  private readonly maxStr: number;
  private readonly deadlines: Deadlines | undefined;
  /** Set while encode() runs: the anonymous objects met inside the value. */
  private stored: string[] | undefined;
  /** Set while decode() runs: the holds that the proxies met inside the value take. */
  private adopting: Promise<unknown>[] | undefined;
  /** Builds the proxy for a reference met in a decoded value (the channel supplies it). */
  proxyFactory: ((typeid: string, id: string) => BaseProxy) | undefined;
  holds!: Holds;
  /** Set when replicaAcks > 0: where runDurable() sends its scripts and WAITs. */
  acks: ReplicaAcks | undefined;

  constructor(
    readonly client: Redis | Cluster,
    readonly notifier: Notifier,
    readonly holder: string,
    readonly address: Address,
    readonly settings: StoreSettings,
  ) {
    this.codec = new Codec(
      {
        toWire: (value) => this.toWire(value),
        fromWire: (ref) => this.fromWire(ref),
      },
      settings.codec,
    );
    this.deadlines = (settings.callTimeoutMs ?? 0) > 0 ? new Deadlines(settings.callTimeoutMs!) : undefined;
    this.maxMessage = settings.codec?.maxMessageSize ?? Infinity;
    this.maxStr = settings.codec?.maxStrLength ?? Infinity;
  }

  /** Script name → its text and SHA1. Not ioredis's defineCommand: every auto-pipeline copies those. */
  private readonly scripts = new Map<string, { lua: string; sha: string }>();

  define(family: Family): void {
    const all = { ...family.scripts, create: CREATE, renew: RENEW, release: RELEASE, pin: PIN };
    for (const [name, body] of Object.entries(all)) {
      const lua = script(body, family.hooks);
      this.scripts.set(`${family.name}_${name}`, { lua, sha: createHash('sha1').update(lua).digest('hex') });
    }
    for (const typeid of family.typeids) this.familyOf.set(typeid, family.name);
  }

  knows(typeid: string): boolean {
    return this.familyOf.has(typeid);
  }

  private readonly handles = new Map<string, ObjectHandle>();

  handle(id: string): ObjectHandle {
    let h = this.handles.get(id);
    if (h === undefined) {
      h = this.makeHandle(id);
      // A cache for the hot path; ids are few per process, but bound it all the same.
      if (this.handles.size > 10_000) this.handles.clear();
      this.handles.set(id, h);
    }
    return h;
  }

  private makeHandle(id: string): ObjectHandle {
    const typeid = typeidOf(id);
    const family = this.familyOf.get(typeid);
    if (family === undefined) throw new TypeError(`no Redis type for typeid '${typeid}'`);
    const { prefix } = this.settings;
    return { id, typeid, family, keys: objectKeys(prefix, id), anon: isAnonymous(id), channel: eventChannel(prefix, id), movingUntil: 0 };
  }

  /** Runs script `name` of the object's family; Buffer replies (bulk strings) stay Buffers. */
  run(h: ObjectHandle, name: string, args: Arg[] = [], holder = this.holder): Promise<any> {
    const s = this.scripts.get(`${h.family}_${name}`);
    if (s === undefined) return noScript(h, name);
    const what = `${h.typeid} ${name}`;
    const started = Date.now();
    // Refused before it ran while the object's Cluster slot is being migrated: sent again
    // (migrating.ts). The retries, and for a while the object's next scripts, go outside
    // auto-pipelining: ioredis holds a pipeline back until each of its commands has followed all its
    // redirections, and with it every later command for that master.
    const pipelined = this.client as unknown as ScriptCommands;
    const reply = this.send(s, h.keys, holder, args, started < h.movingUntil ? 'alone' : pipelined).catch((error: unknown) =>
      retryWhileMoving(error, () => this.send(s, h.keys, holder, args, 'alone'), started, this.settings.callTimeoutMs ?? 0, what, () => {
        h.movingUntil = Date.now() + MOVING_ALONE_MS;
      }),
    );
    return this.reply(reply, what, same);
  }

  /**
   * As run(), for a write that hands something over (a queue put): with replicaAcks, sent on the
   * acknowledged connection to the object's master and, if `wrote(reply)`, resolved only once
   * enough replicas have it (replicaAcks.ts); without, exactly run().
   */
  runDurable(h: ObjectHandle, name: string, args: Arg[], wrote: (reply: unknown) => boolean): Promise<any> {
    const acks = this.acks;
    if (acks === undefined) return this.run(h, name, args);
    const s = this.scripts.get(`${h.family}_${name}`);
    if (s === undefined) return noScript(h, name);
    const what = `${h.typeid} ${name}`;
    const started = Date.now();
    // Sent to the master's own connection, which answers MOVED/ASK/TRYAGAIN instead of following
    // them: the script did not run, and is sent again to the master the refreshed map names.
    const limitMs = this.settings.callTimeoutMs ?? 0;
    const until = limitMs > 0 ? started + limitMs : Infinity;
    const once = async (): Promise<[Redis, unknown]> => {
      const conn = await acks.master(h.keys[0], until);
      return [conn, await this.send(s, h.keys, this.holder, args, conn as unknown as ScriptCommands)];
    };
    const done = once()
      .catch((error: unknown) => retryWhileMoving(error, once, started, limitMs, what, () => acks.refresh()))
      .then(async ([conn, reply]) => {
        if (wrote(reply)) await acks.confirm(conn, what);
        return reply;
      });
    return this.reply(done, what, same);
  }

  /**
   * One try of a script: EVALSHA, or EVAL the first time a server sees it (after a restart or a
   * failover too: EVAL sends the text and caches it). `via`: the client's auto-pipelined methods,
   * 'alone' (sent outside auto-pipelining), or one node's connection (replicaAcks).
   */
  private send(s: { lua: string; sha: string }, keys: string[], holder: string, args: Arg[], via: ScriptCommands | 'alone'): Promise<unknown> {
    const first = via === 'alone' ? this.alone('evalsha', [s.sha, 5, ...keys, holder, ...args]) : via.evalshaBuffer(s.sha, 5, ...keys, holder, ...args);
    return first.catch((error: unknown) => {
      if (!(error instanceof Error) || replyMessage(error)?.startsWith('NOSCRIPT') !== true) throw error;
      return via === 'alone' ? this.alone('eval', [s.lua, 5, ...keys, holder, ...args]) : via.evalBuffer(s.lua, 5, ...keys, holder, ...args);
    });
  }

  /**
   * A command sent on its own (ioredis's auto-pipelining is in its named methods, not in
   * sendCommand), with what those methods give a Command: the client's keyPrefix; Buffer replies.
   */
  private async alone(name: string, args: Arg[]): Promise<unknown> {
    // ioredis is loaded once a client connects (clients.ts); this only fetches the loaded module.
    const { Command } = await import('ioredis');
    const { keyPrefix } = this.client.options as { keyPrefix?: string };
    return this.client.sendCommand(new Command(name, args, { replyEncoding: null, keyPrefix }));
  }

  /** A plain command (a function that sends it: see reply()), with Redis's errors turned into ours. */
  cmd<T>(command: () => Promise<T>, what: string): Promise<T> {
    return this.reply(command, what, same);
  }

  /**
   * A command's reply passed through `then` (which may throw: KeyError, ProtocolError), with Redis's
   * errors turned into ours, rejecting ConnectionClosedError after callTimeout without an answer.
   * Not async, and one promise for the whole call (two with a callTimeout): the hot ops use it.
   * `command` is either the command's promise (a script: run() retries those itself) or a function
   * that sends it, which is called again if Redis refused the command before running it because its
   * Cluster slot is being migrated (ioredis gives up after its maxRedirections; migrating.ts), until
   * the migration ends or the call's callTimeout has rejected it.
   */
  reply<T, R>(command: Promise<T> | (() => Promise<T>), what: string, then: (reply: T) => R): Promise<Awaited<R>> {
    const send = typeof command === 'function' ? command : undefined;
    const promise = send === undefined ? (command as Promise<T>) : send();
    const deadlines = this.deadlines;
    if (deadlines === undefined) {
      return promise.then(then, (error: unknown) => {
        if (send === undefined || !slotMoving(error)) throw fromRedisError(error, what);
        return this.afterRefusal(error, send, undefined, what).then(then);
      }) as Promise<Awaited<R>>;
    }
    return new Promise<Awaited<R>>((resolve, reject) => {
      const slot = deadlines.current;
      const pending = new Pending(reject, what);
      slot.add(pending);
      const answered = (value: T): void => {
        slot.delete(pending);
        try {
          resolve(then(value) as Awaited<R>);
        } catch (error) {
          reject(error instanceof Error ? error : new ManagerError(String(error)));
        }
      };
      const failed = (error: unknown): void => {
        slot.delete(pending);
        reject(fromRedisError(error, what)); // afterRefusal's errors are ours already, and pass through
      };
      promise.then(answered, (error: unknown) => {
        if (send === undefined || !slotMoving(error)) return failed(error);
        this.afterRefusal(error, send, pending, what).then(answered, failed);
      });
    });
  }

  /**
   * A plain command refused before it ran (its slot is moving): sent again, pausing, while that
   * lasts, but never once its call has expired (`pending`, with a callTimeout): the caller was told
   * it failed, so it must not run. Resolves with the reply; rejects with Redis's error turned into ours.
   */
  private async afterRefusal<T>(error: unknown, send: () => Promise<T>, pending: Pending | undefined, what: string): Promise<T> {
    try {
      return await retryWhileMoving(
        error,
        () => (pending?.expired === true ? Promise.reject(new ConnectionClosedError(`${what}: callTimeout passed while its Cluster slot was being migrated; the call did not run`)) : send()),
        Date.now(),
        0,
        what,
        () => undefined,
      );
    } catch (failure) {
      throw fromRedisError(failure, what);
    }
  }

  /** Stops the callTimeout clock (the manager is closing). */
  stop(): void {
    this.deadlines?.stop();
  }

  /**
   * `value` as msgpack, for storing inside object `into`: anonymous objects it refers to are pinned
   * to `into` first (they live as long as something that holds `into` does).
   */
  encode(value: unknown, into?: ObjectHandle): Buffer | Promise<Buffer> {
    const scalar = encodeScalar(value, this.maxMessage);
    if (scalar !== undefined) return scalar;
    const { bytes, stored } = this.encodeCollecting([value]);
    if (stored.length === 0 || into === undefined) return bytes[0];
    return this.pin(into, stored).then(() => bytes[0]);
  }

  /** As encode(), for a value that is a scalar or holds no anonymous object (undefined if it does). */
  encodePlain(value: unknown): Buffer | undefined {
    const scalar = encodeScalar(value, this.maxMessage);
    if (scalar !== undefined) return scalar;
    const { bytes, stored } = this.encodeCollecting([value]);
    return stored.length === 0 ? bytes[0] : undefined;
  }

  async encodeAll(values: readonly unknown[], into?: ObjectHandle): Promise<Buffer[]> {
    const { bytes, stored } = this.encodeCollecting(values);
    if (stored.length > 0 && into !== undefined) await this.pin(into, stored);
    return bytes;
  }

  /** Encodes without pinning: the caller pins `stored` once the container exists (see pin()). */
  encodeCollecting(values: readonly unknown[]): { bytes: Buffer[]; stored: string[] } {
    const stored: string[] = [];
    this.stored = stored;
    try {
      return { bytes: values.map((v) => toBuffer(this.codec.encode(v))), stored };
    } finally {
      this.stored = undefined;
    }
  }

  /** As decodeAll for one value; synchronous (no promise) unless a reference inside takes a lease. */
  decode(bytes: Buffer | null): unknown {
    if (bytes === null) return null;
    const scalar = decodeScalar(bytes, this.maxStr);
    if (scalar !== NOT_SCALAR) return scalar;
    const adopting: Promise<unknown>[] = [];
    this.adopting = adopting;
    let value: unknown;
    try {
      value = this.codec.decode(bytes);
    } finally {
      this.adopting = undefined;
    }
    return adopting.length === 0 ? value : Promise.all(adopting).then(() => value);
  }

  /** A dict key (or another value never stored as a container's content): encoded, nothing pinned. */
  encodeKey(value: unknown): Buffer {
    return encodeScalar(value, this.maxMessage) ?? toBuffer(this.codec.encode(value));
  }

  async decodeAll(items: readonly (Buffer | null)[]): Promise<unknown[]> {
    const adopting: Promise<unknown>[] = [];
    this.adopting = adopting;
    let out: unknown[];
    try {
      out = items.map((b) => {
        if (b === null) return null;
        const scalar = decodeScalar(b, this.maxStr);
        return scalar !== NOT_SCALAR ? scalar : this.codec.decode(b);
      });
    } finally {
      this.adopting = undefined;
    }
    if (adopting.length > 0) await Promise.all(adopting);
    return out;
  }

  async pin(into: ObjectHandle, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)].filter((id) => id !== into.id);
    await Promise.all(unique.map((id) => this.run(this.handle(id), 'renew', [this.settings.leaseMs, 1], `in:${into.id}`)));
    if (unique.length > 0) await this.run(into, 'pin', unique);
  }

  private toWire(value: object): WireRef | undefined {
    if (!(value instanceof BaseProxy)) return undefined;
    const t = value._token;
    const ours = sameAddress(value._session.address, this.address);
    if (ours && isAnonymous(t.id)) this.stored?.push(t.id);
    return { typeid: t.typeid, address: t.address, id: t.id, ...(ours ? {} : { foreign: true }) };
  }

  private fromWire(ref: WireRef): unknown {
    if (ref.foreign || this.proxyFactory === undefined || !this.knows(ref.typeid)) return new Token(ref.typeid, ref.address, ref.id);
    const proxy = this.proxyFactory(ref.typeid, ref.id);
    this.adopting?.push(this.holds.adopt(ref.id));
    return proxy;
  }
}

function same<T>(value: T): T {
  return value;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function noScript(h: ObjectHandle, name: string): Promise<never> {
  return Promise.reject(new TypeError(`no script ${name} for ${h.typeid}`));
}
