// What every waiting call of the primitives accepts, and the ownership contract the manager server
// relies on to release what a disconnected client still holds.

/** Options of every call that can wait (and of the calls that record or check an owner). */
export interface WaitOptions {
  /** Cancels the wait: the waiter is removed at once (synchronously, in the abort listener) and the
   *  promise rejects with AbortError (lib/errors.ts). A removed waiter is never handed anything.
   *  An already-aborted signal rejects the call before it changes any state. Default: none. */
  signal?: AbortSignal;
  /** Who is calling, for ownership (RLock, Condition, held-unit tracking). Default: DEFAULT_OWNER,
   *  one shared identity for all in-process callers (Node has one thread). Compared with ===. */
  owner?: unknown;
  /** Queue.get only: asked with the item just before this waiter would be handed it. false passes
   *  the waiter over (it keeps waiting, in its place) and the item goes to the next waiter that
   *  accepts it, or stays in the queue; call Queue.redeliver() once it would accept again. The
   *  server uses it to hand nothing to a client that does not read its replies. Default: accepts all. */
  accepts?: (item: unknown) => boolean;
}

/** The owner of every call that names none: all in-process callers share it. */
export const DEFAULT_OWNER: unique symbol = Symbol('mpmanagers.defaultOwner');

/** A primitive that can be held (Lock, RLock, Semaphore, BoundedSemaphore, Condition). */
export interface OwnedPrimitive {
  /** Releases whatever `owner` holds, handing it to waiters FIFO as a normal release would.
   *  Returns the units or recursion levels released (0 if the owner held nothing). */
  releaseAllOwnedBy(owner: unknown): number;
}

export function isOwnedPrimitive(value: unknown): value is OwnedPrimitive {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<OwnedPrimitive>).releaseAllOwnedBy === 'function'
  );
}

/** The caller's identity: options.owner, or DEFAULT_OWNER when none is given. */
export function ownerOf(options: WaitOptions | undefined): unknown {
  return options?.owner === undefined ? DEFAULT_OWNER : options.owner;
}
