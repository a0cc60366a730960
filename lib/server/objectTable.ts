// The server's shared objects: ids, referents, what each exposes, and who holds references.
//
// References are counted per owner (one owner per client connection), so a connection that goes
// away takes exactly its own references with it (CPython leaks them). ServerRefs stored inside other
// shared objects hold "internal" references that keep an object alive while it is held. Ids are
// random 53-bit numbers in lowercase hex (CPython's ids are hex too): not guessable from one's own,
// and unique among live objects. One freed id could only come back with probability ~2^-53 per new
// object, so a stale proxy does not reach a different object.
import { randomFillSync } from 'node:crypto';
import createDebug from 'debug';
import { KeyError } from '../errors.js';
import { Token, type ProxyKind, type WireRef } from '../protocol.js';
import type { Address } from '../connection/address.js';
import { ServerRef, type RefHolder } from './serverRef.js';
import { contextAware } from './callContext.js';
import { CycleCollector, type CycleHost } from './cycles.js';

const log = createDebug('mpmanagers:server');

export interface ObjectEntry {
  readonly id: string;
  readonly typeid: string;
  /** The shared object itself: what the server program holds and `#GETVALUE` copies. */
  readonly referent: unknown;
  /** What methods are called on: the referent, or an adapter giving it Python semantics. */
  readonly target: any;
  readonly kind: ProxyKind;
  readonly exposed: ReadonlySet<string>;
  readonly exposedList: string[];
  readonly methodToTypeid: Readonly<Record<string, string>> | undefined;
  /** The target's methods take a CallContext first (hosted synchronization primitives). */
  readonly takesContext: boolean;
  /** References held by client connections, summed. */
  externalRefs: number;
  /** References held by ServerRefs (nested proxies stored on the server). */
  internalRefs: number;
  /** The count of live objects its creator made (ServerOptions.maxObjectsPerConnection), if any. */
  readonly quota: CreationQuota | undefined;
}

/** Live objects made by one connection: counted up when one is added, down when it is freed. */
export interface CreationQuota {
  created: number;
}

export interface NewObject {
  typeid: string;
  referent: unknown;
  target: object;
  kind: ProxyKind;
  exposed: readonly string[];
  methodToTypeid: Readonly<Record<string, string>> | undefined;
}

export class ObjectTable implements RefHolder, CycleHost {
  readonly entries = new Map<string, ObjectEntry>();
  /** owner (a client connection) → object id → references it holds. */
  private readonly refsByOwner = new Map<object, Map<string, number>>();
  /** Object referents already shared → their id, so a singleton callable yields one id (as CPython). */
  private readonly idsByReferent = new Map<object, string>();
  private readonly gcBackstop = new FinalizationRegistry<string>((id) => this.dropInternal(id));
  /** Frees objects that only keep each other alive once no client holds them. */
  readonly cycles = new CycleCollector(this);

  constructor(private readonly addressOf: () => Address | undefined) {}

  /**
   * Adds (or finds) a shared object; the caller then takes references on it. A new object counts
   * in `quota` (its creator's) until it is freed.
   */
  add(spec: NewObject, quota?: CreationQuota): ObjectEntry {
    const key = typeof spec.referent === 'object' && spec.referent !== null ? spec.referent : undefined;
    const existing = key !== undefined ? this.idsByReferent.get(key) : undefined;
    if (existing !== undefined) return this.entries.get(existing)!;
    const id = this.newId();
    const entry: ObjectEntry = {
      id,
      typeid: spec.typeid,
      referent: spec.referent,
      target: spec.target,
      kind: spec.kind,
      exposed: new Set(spec.exposed),
      exposedList: [...spec.exposed],
      methodToTypeid: spec.methodToTypeid,
      takesContext: contextAware(spec.target),
      externalRefs: 0,
      internalRefs: 0,
      quota,
    };
    if (quota !== undefined) quota.created++;
    this.entries.set(id, entry);
    if (key !== undefined) this.idsByReferent.set(key, id);
    return entry;
  }

  /** A random id no live object has. */
  private newId(): string {
    for (;;) {
      const id = randomIdBits().toString(16);
      if (!this.entries.has(id)) return id;
    }
  }

  get(id: string): ObjectEntry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new KeyError(`no shared object with id '${id}' (freed or never created)`);
    return entry;
  }

  resolve(id: string): unknown {
    return this.entries.get(id)?.referent;
  }

  incref(owner: object, id: string): void {
    const entry = this.get(id);
    let refs = this.refsByOwner.get(owner);
    if (refs === undefined) this.refsByOwner.set(owner, (refs = new Map()));
    refs.set(id, (refs.get(id) ?? 0) + 1);
    entry.externalRefs++;
  }

  /** True while `owner` holds at least one reference to object `id`. */
  holds(owner: object, id: string): boolean {
    return (this.refsByOwner.get(owner)?.get(id) ?? 0) > 0;
  }

  decref(owner: object, id: string): void {
    const refs = this.refsByOwner.get(owner);
    const held = refs?.get(id) ?? 0;
    if (held <= 0) throw new KeyError(`this connection holds no reference to object '${id}'`);
    if (held === 1) refs!.delete(id);
    else refs!.set(id, held - 1);
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.externalRefs--;
    this.freeIfUnreferenced(entry);
  }

  /** Drops every reference an owner holds (its connection closed). Returns how many objects it held. */
  releaseOwner(owner: object): number {
    const refs = this.refsByOwner.get(owner);
    if (refs === undefined) return 0;
    this.refsByOwner.delete(owner);
    for (const [id, count] of refs) {
      const entry = this.entries.get(id);
      if (entry === undefined) continue;
      entry.externalRefs -= count;
      this.freeIfUnreferenced(entry);
    }
    return refs.size;
  }

  /** A ServerRef holding an internal reference, for a decoded proxy of this server. */
  makeServerRef(typeid: string, id: string): ServerRef {
    const ref = new ServerRef(new Token(typeid, this.addressOf(), id), this);
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      entry.internalRefs++;
      this.gcBackstop.register(ref, id, ref);
    }
    return ref;
  }

  unref(id: string, ref: ServerRef): void {
    if (this.gcBackstop.unregister(ref)) this.dropInternal(id);
  }

  /** The wire form of an object, optionally transferring one reference to `owner`. */
  wireRef(entry: ObjectEntry, owner: object | undefined): WireRef {
    if (owner !== undefined) this.incref(owner, entry.id);
    return {
      typeid: entry.typeid,
      address: this.addressOf(),
      id: entry.id,
      exposed: entry.exposedList,
      kind: entry.kind,
    };
  }

  /** Objects with at least one reference from a client (CPython's number_of_objects). */
  numberOfObjects(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.externalRefs > 0) n++;
    return n;
  }

  /** Read-only view of owner → object id → references held (the server's `describe`). */
  referencesByOwner(): ReadonlyMap<object, ReadonlyMap<string, number>> {
    return this.refsByOwner;
  }

  /** CPython's debug_info; only the objects `owner` holds a reference to, if given. */
  debugInfo(owner?: object): string {
    const lines: string[] = [];
    for (const e of this.entries.values()) {
      if (owner !== undefined && !this.holds(owner, e.id)) continue;
      lines.push(`  ${e.id}:       refcount=${e.externalRefs} internal=${e.internalRefs} typeid=${e.typeid}`);
      lines.push(`    ${describe(e.referent).slice(0, 75)}`);
    }
    lines.push(`  connections holding references: ${this.refsByOwner.size}`);
    return lines.join('\n');
  }

  /** Frees everything (server shutdown). */
  clear(): void {
    this.cycles.stop();
    const all = [...this.entries.values()];
    this.entries.clear();
    this.idsByReferent.clear();
    this.refsByOwner.clear();
    for (const entry of all) disposeReferent(entry);
  }

  private dropInternal(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.internalRefs--;
    this.freeIfUnreferenced(entry);
  }

  /** Frees objects the cycle collector found to reference only each other. */
  freeGroup(group: ObjectEntry[]): void {
    // All leave the table first, so that releasing their references to each other frees nothing twice.
    for (const entry of group) this.forget(entry);
    for (const entry of group) {
      log('freed object %s (%s), part of an unreachable cycle', entry.id, entry.typeid);
      releaseNestedRefs(entry.referent);
      disposeReferent(entry);
    }
  }

  private forget(entry: ObjectEntry): void {
    this.entries.delete(entry.id);
    if (entry.quota !== undefined) entry.quota.created--;
    if (typeof entry.referent === 'object' && entry.referent !== null) this.idsByReferent.delete(entry.referent);
  }

  private freeIfUnreferenced(entry: ObjectEntry): void {
    if (entry.externalRefs > 0) return;
    // Held by containers only: maybe by a cycle that nothing else holds.
    if (entry.internalRefs > 0) return this.cycles.suspect(entry);
    this.forget(entry);
    log('freed object %s (%s)', entry.id, entry.typeid);
    releaseNestedRefs(entry.referent);
    disposeReferent(entry);
  }
}

/** Random words made a batch at a time (one call to the CSPRNG per 256 ids). */
const idWords = new Uint32Array(512);
let idWordsUsed = idWords.length;

/** A random integer in [1, 2^53): safe as a JS number, and never 0. */
function randomIdBits(): number {
  if (idWordsUsed === idWords.length) {
    randomFillSync(idWords);
    idWordsUsed = 0;
  }
  const high = idWords[idWordsUsed++] & 0x1fffff;
  const low = idWords[idWordsUsed++];
  return high * 2 ** 32 + low || 1;
}

/** A freed container lets go of the nested proxies it held, now rather than at the next GC. */
function releaseNestedRefs(value: unknown, depth = 0): void {
  if (depth > 32 || typeof value !== 'object' || value === null) return;
  if (value instanceof ServerRef) return value.release();
  if (Array.isArray(value)) for (const v of value) releaseNestedRefs(v, depth + 1);
  else if (value instanceof Map) for (const [k, v] of value) (releaseNestedRefs(k, depth + 1), releaseNestedRefs(v, depth + 1));
  else if (value instanceof Set) for (const v of value) releaseNestedRefs(v, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const v of Object.values(value)) releaseNestedRefs(v, depth + 1);
  }
}

/** Referents that own resources (a Pool, say) are disposed of when freed. */
function disposeReferent(entry: ObjectEntry): void {
  const referent = entry.referent as { [Symbol.asyncDispose]?: () => Promise<void>; [Symbol.dispose]?: () => void } | null;
  if (typeof referent !== 'object' || referent === null) return;
  try {
    if (typeof referent[Symbol.asyncDispose] === 'function') {
      referent[Symbol.asyncDispose]!().catch((err: unknown) => log('disposing %s failed: %O', entry.id, err));
    } else if (typeof referent[Symbol.dispose] === 'function') {
      referent[Symbol.dispose]!();
    }
  } catch (err) {
    log('disposing %s failed: %O', entry.id, err);
  }
}

/** debug_info shows the start of each referent: larger ones are summed up, not printed in full and cut. */
const DESCRIBE_MAX_ITEMS = 1000;

function describe(value: unknown): string {
  try {
    const size = itemCount(value);
    if (size !== undefined && size > DESCRIBE_MAX_ITEMS) return `<${Object.prototype.toString.call(value).slice(8, -1)} of ${size} items>`;
    if (typeof value === 'object' && value !== null && typeof (value as any).__repr__ === 'function') return String((value as any).__repr__());
    return typeof value === 'object' ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function itemCount(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  const len = (value as { __len__?: unknown } | null)?.__len__;
  return typeof len === 'function' ? Number(len.call(value)) : undefined;
}
