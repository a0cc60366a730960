// Async synchronization primitives with Python's semantics, usable in-process and hosted by the
// manager server as shared objects (which passes each caller's owner and an AbortSignal).
export { DEFAULT_OWNER, isOwnedPrimitive, type OwnedPrimitive, type WaitOptions } from './options.js';
export { Queue, JoinableQueue } from './queue.js';
export { Lock } from './lock.js';
export { RLock } from './rlock.js';
export { Semaphore, BoundedSemaphore } from './semaphore.js';
export { Condition } from './condition.js';
export { Event } from './event.js';
export { Barrier } from './barrier.js';
