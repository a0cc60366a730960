// What a hosted object may learn about the call it is serving: who the caller is (for lock
// ownership) and a signal that fires when the caller cancels or its connection closes.

export interface CallContext {
  /** The calling client connection: the "owner" of RLocks, Conditions and held semaphore units. */
  readonly owner: object;
  /** Aborted when the client cancels this call or disconnects. Made on first use. */
  readonly signal: AbortSignal;
  /** True once the calling connection has closed (a result can no longer be delivered). */
  readonly callerGone: boolean;
}

/** A target class with this static flag set receives the CallContext as its methods' first argument. */
export const takesCallContext: unique symbol = Symbol('mpmanagers.takesCallContext');

export function contextAware(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  return (target.constructor as { [takesCallContext]?: boolean } | undefined)?.[takesCallContext] === true;
}
