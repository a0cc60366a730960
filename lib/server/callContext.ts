// What a hosted object may learn about the call it is serving: who the caller is (for lock
// ownership) and a signal that fires when the caller cancels or its connection closes.

export interface CallContext {
  /** The calling client connection: the "owner" of RLocks, Conditions and held semaphore units. */
  readonly owner: object;
  /** Aborted when the client cancels this call or disconnects. Made on first use. */
  readonly signal: AbortSignal;
  /** True once the calling connection has closed (a result can no longer be delivered). */
  readonly callerGone: boolean;
  /**
   * Whether the caller may be handed a result of about `bytes` now: false while the replies it has
   * not read, plus those promised to it, are over the server's backlog limit. true reserves the
   * bytes until releaseReply(bytes), called once the result is on its way (or given back).
   */
  reserveReply(bytes: number): boolean;
  releaseReply(bytes: number): void;
  /** Calls `listener` once (soon after) the caller may be handed results again. */
  whenReceivable(listener: () => void): void;
}

/** A target class with this static flag set receives the CallContext as its methods' first argument. */
export const takesCallContext: unique symbol = Symbol('mpmanagers.takesCallContext');

export function contextAware(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  return (target.constructor as { [takesCallContext]?: boolean } | undefined)?.[takesCallContext] === true;
}
