// Per-kind details of one shared object for `describe`: queue depths, who holds and who waits for a
// lock, barrier and event state, container lengths. Sizes and counts only, each O(1) or O(waiters
// listed): nothing here walks a container's entries.
import { RLock, Semaphore, type Lock } from '../primitives/index.js';
import { ListAdapter, DictAdapter, SharedArray } from './adapters/index.js';
import { QueueHost } from './sync/queue.js';
import { ConditionHost } from './sync/condition.js';
import { AcquirerHost } from './sync/acquirer.js';
import { EventHost } from './sync/event.js';
import { BarrierHost } from './sync/barrier.js';
import type { ObjectEntry } from './objectTable.js';
import { describeDetails, type ObjectDetails, type OwnerId } from './description.js';

/** Most waiters named per object (the count is always given in full). */
export const WAITERS_LISTED = 10;

/** Turns a lock owner (a client connection, or the server program's own identity) into its id. */
export type OwnerIds = (owner: unknown) => OwnerId;

/** What the referent is, in a word: 'Queue', 'Lock', 'list', 'dict', 'Namespace', a class name... */
export function referentName(entry: ObjectEntry): string {
  const target: unknown = entry.target;
  if (target instanceof ListAdapter) return 'list';
  if (target instanceof DictAdapter) return 'dict';
  if (target instanceof QueueHost) return target.queue.constructor.name;
  if (target instanceof ConditionHost) return 'Condition';
  if (target instanceof AcquirerHost) return target.primitive.constructor.name;
  if (target instanceof EventHost) return 'Event';
  if (target instanceof BarrierHost) return 'Barrier';
  const referent = entry.referent;
  if (referent === null || referent === undefined) return 'None';
  if (typeof referent !== 'object' && typeof referent !== 'function') return typeof referent;
  return (referent).constructor?.name ?? 'object';
}

export function objectDetails(entry: ObjectEntry, ownerId: OwnerIds): ObjectDetails | undefined {
  const target: unknown = entry.target;
  const describes = (target as { [describeDetails]?: () => ObjectDetails } | null)?.[describeDetails];
  if (typeof describes === 'function') return describes.call(target);
  if (target instanceof QueueHost) {
    const q = target.queue;
    return {
      type: 'queue',
      size: q.qsize(),
      maxsize: q.maxsize,
      waitingGetters: q.waitingGetters,
      waitingPutters: q.waitingPutters,
      unfinishedTasks: q.unfinishedTasks,
    };
  }
  if (target instanceof ConditionHost) {
    const lock = target.condition.lock;
    const holder = lock.holder;
    return {
      type: 'condition',
      locked: holder !== undefined,
      holder: holder === undefined ? null : ownerId(holder),
      waiting: target.condition.waiting,
      waiters: firstOwners(target.condition.waiters(), ownerId),
    };
  }
  if (target instanceof AcquirerHost) return acquirerDetails(target.primitive, ownerId);
  if (target instanceof EventHost) return { type: 'event', set: target.event.isSet(), waiting: target.event.waiting };
  if (target instanceof BarrierHost) {
    const b = target.barrier;
    return { type: 'barrier', parties: b.parties, waiting: b.nWaiting, broken: b.broken };
  }
  const length = sizeOf(target);
  return length === undefined ? undefined : { type: 'sized', length };
}

function acquirerDetails(primitive: Lock | RLock | Semaphore, ownerId: OwnerIds): ObjectDetails {
  if (primitive instanceof Semaphore) {
    const holders = [...primitive.holders()].map(([owner, units]) => ({ client: ownerId(owner), units }));
    return { type: 'semaphore', value: primitive.value, holders, waiting: primitive.waiting, waiters: firstOwners(primitive.waiters(), ownerId) };
  }
  const holder = primitive.holder;
  return {
    type: 'lock',
    locked: holder !== undefined,
    holder: holder === undefined ? null : ownerId(holder),
    level: primitive instanceof RLock ? primitive.level : holder !== undefined ? 1 : 0,
    waiting: primitive.waiting,
    waiters: firstOwners(primitive.waiters(), ownerId),
  };
}

/**
 * A container's length where it is kept (arrays, Maps, shared arrays); undefined otherwise. A dict
 * served over a plain object has no stored size (counting its keys walks them all): none is given.
 */
function sizeOf(target: unknown): number | undefined {
  if (target instanceof ListAdapter || target instanceof SharedArray) return target.__len__();
  if (target instanceof DictAdapter && target.referent instanceof Map) return target.__len__();
  return undefined;
}

function firstOwners(owners: Iterable<unknown>, ownerId: OwnerIds): OwnerId[] {
  const ids: OwnerId[] = [];
  for (const owner of owners) {
    if (ids.length >= WAITERS_LISTED) break;
    ids.push(ownerId(owner));
  }
  return ids;
}
