// Hosting of the synchronization primitives: which host class serves which primitive, and what it
// exposes. The hosts take a CallContext (caller identity + cancellation) as their first argument.
import { Queue, Lock, RLock, Semaphore, Condition, Event, Barrier } from '../../primitives/index.js';
import { QueueHost, QUEUE_EXPOSED } from './queue.js';
import { AcquirerHost, ACQUIRER_EXPOSED } from './acquirer.js';
import { ConditionHost, CONDITION_EXPOSED } from './condition.js';
import { EventHost, EVENT_EXPOSED } from './event.js';
import { BarrierHost, BARRIER_EXPOSED } from './barrier.js';

export { QUEUE_EXPOSED, ACQUIRER_EXPOSED, CONDITION_EXPOSED, EVENT_EXPOSED, BARRIER_EXPOSED };

/** The host for a primitive referent, or undefined if `referent` is not one. */
export function hostPrimitive(referent: unknown): { target: object; exposed: readonly string[] } | undefined {
  if (referent instanceof Queue) return { target: new QueueHost(referent), exposed: QUEUE_EXPOSED };
  if (referent instanceof Condition) return { target: new ConditionHost(referent), exposed: CONDITION_EXPOSED };
  if (referent instanceof Lock || referent instanceof RLock || referent instanceof Semaphore) {
    return { target: new AcquirerHost(referent), exposed: ACQUIRER_EXPOSED };
  }
  if (referent instanceof Event) return { target: new EventHost(referent), exposed: EVENT_EXPOSED };
  if (referent instanceof Barrier) return { target: new BarrierHost(referent), exposed: BARRIER_EXPOSED };
  return undefined;
}
