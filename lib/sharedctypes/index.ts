// multiprocessing.sharedctypes for worker threads: Value, Array, RawValue, RawArray and Structure over
// SharedArrayBuffer, with Atomics-based locks. Exported from the main entry as the `sharedctypes`
// namespace (its Value and Array would shadow the manager's Value and JavaScript's Array).
export { Value, RawValue, Array, RawArray, copy, synchronized, SharedValue, SharedArray, type LockOption, type SharedOptions } from './values.js';
export { Lock, RLock } from './lock.js';
export { Structure } from './structure.js';
export type { CTypeSpec } from './ctypes.js';
