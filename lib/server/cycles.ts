// Frees groups of shared objects that only keep each other alive — a list stored in itself, two
// dicts stored in each other — once no client holds any of them. Reference counting alone never
// frees those (CPython's manager leaks them), so a client could grow the server without bound by
// building cycles and disconnecting.
//
// Trial deletion over the suspects: an object whose last client reference went while containers
// still reference it. From the suspects, follow the references stored in referents (arrays, Maps,
// plain objects, as releaseNestedRefs does) through objects no client holds. An object of that group
// referenced more times than the group itself accounts for is held from outside (a live container,
// server code, a call in progress, a container this walk cannot see into): it, and what it
// references, stay. The rest is garbage. Conservative: what it cannot see, it keeps.
import createDebug from 'debug';
import { ServerRef } from './serverRef.js';
import { Namespace, Value } from './adapters/index.js';
import type { ObjectEntry } from './objectTable.js';

const log = createDebug('mpmanagers:server');

/** How deep the walk looks into a referent (as releaseNestedRefs). */
const MAX_DEPTH = 32;
/** Suspects are examined together, this long after the first one (a burst of releases costs one walk). */
const COLLECT_DELAY_MS = 50;

export interface CycleHost {
  readonly entries: ReadonlyMap<string, ObjectEntry>;
  /** Frees objects that only reference each other (every reference they hold is released). */
  freeGroup(group: ObjectEntry[]): void;
}

export class CycleCollector {
  private readonly suspects = new Set<ObjectEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: CycleHost) {}

  /** `entry` lost a reference and is held by containers only: examine it soon. */
  suspect(entry: ObjectEntry): void {
    this.suspects.add(entry);
    this.timer ??= setTimeout(() => this.collect(), COLLECT_DELAY_MS).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.suspects.clear();
  }

  /** Frees the garbage cycles among the current suspects; returns how many objects it freed. */
  collect(): number {
    this.timer = undefined;
    const group = this.unheldGroup();
    this.suspects.clear();
    if (group.size === 0) return 0;
    const live = reachableFromOutside(group);
    const garbage = [...group.keys()].filter((entry) => !live.has(entry));
    if (garbage.length > 0) {
      log('freeing %d object(s) that only referenced each other', garbage.length);
      this.host.freeGroup(garbage);
    }
    return garbage.length;
  }

  /** The suspects and every object no client holds that they reference, each with its references. */
  private unheldGroup(): Map<ObjectEntry, Set<ServerRef>> {
    const group = new Map<ObjectEntry, Set<ServerRef>>();
    const pending = [...this.suspects].filter((e) => this.host.entries.get(e.id) === e && e.externalRefs === 0);
    while (pending.length > 0) {
      const entry = pending.pop()!;
      if (group.has(entry)) continue;
      const refs = new Set<ServerRef>();
      collectRefs(entry.referent, refs, 0);
      group.set(entry, refs);
      for (const ref of refs) {
        const target = this.host.entries.get(ref.token.id);
        if (target !== undefined && target.externalRefs === 0 && !group.has(target)) pending.push(target);
      }
    }
    return group;
  }
}

/** The members of `group` held from outside it, and everything they reference in it. */
function reachableFromOutside(group: Map<ObjectEntry, Set<ServerRef>>): Set<ObjectEntry> {
  const byId = new Map<string, ObjectEntry>();
  for (const entry of group.keys()) byId.set(entry.id, entry);
  // Distinct ServerRefs inside the group, per target: each holds exactly one internal reference.
  const insideRefs = new Map<ObjectEntry, Set<ServerRef>>();
  for (const refs of group.values()) {
    for (const ref of refs) {
      const target = byId.get(ref.token.id);
      if (target === undefined) continue;
      let set = insideRefs.get(target);
      if (set === undefined) insideRefs.set(target, (set = new Set()));
      set.add(ref);
    }
  }
  const live = new Set<ObjectEntry>();
  const pending = [...group.keys()].filter((e) => e.internalRefs > (insideRefs.get(e)?.size ?? 0));
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (live.has(entry)) continue;
    live.add(entry);
    for (const ref of group.get(entry)!) {
      const target = byId.get(ref.token.id);
      if (target !== undefined && !live.has(target)) pending.push(target);
    }
  }
  return live;
}

function collectRefs(value: unknown, into: Set<ServerRef>, depth: number): void {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return;
  if (value instanceof ServerRef) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into, depth + 1);
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      collectRefs(key, into, depth + 1);
      collectRefs(item, into, depth + 1);
    }
  } else if (value instanceof Set) {
    for (const item of value) collectRefs(item, into, depth + 1);
  } else if (value instanceof Error) {
    for (const item of Object.values(value)) collectRefs(item, into, depth + 1); // its data fields
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const item of Object.values(value)) collectRefs(item, into, depth + 1);
  } else if (value instanceof Namespace) {
    collectRefs(value.attributes, into, depth + 1);
  } else if (value instanceof Value) {
    collectRefs(value.value, into, depth + 1);
  }
  // Anything else (a Queue's items, a class instance's fields) is not looked into: what it holds
  // counts as held from outside, so such cycles stay until the server stops.
}
