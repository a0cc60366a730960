// Lock, RLock, Semaphore and BoundedSemaphore served to clients (CPython's AcquirerProxy methods).
// The owner of a held lock or semaphore unit is the calling client connection: what it still holds
// when it disconnects is released (ServerOptions.releaseOnDisconnect).
import { Semaphore, type Lock, type RLock } from '../../primitives/index.js';
import { takesCallContext, type CallContext } from '../callContext.js';

export const ACQUIRER_EXPOSED = ['acquire', 'release'] as const;

type Acquirer = Lock | RLock | Semaphore;

export class AcquirerHost {
  static readonly [takesCallContext] = true;
  constructor(readonly primitive: Acquirer) {}

  async acquire(ctx: CallContext, blocking = true, timeout: number | null = null): Promise<boolean> {
    const owner = ctx.owner;
    // Uncontended: no signal (and no AbortController) is needed.
    if (blocking && (timeout === null || timeout >= 0) && (await this.primitive.acquire(false, null, { owner }))) return true;
    return this.primitive.acquire(blocking, timeout, blocking ? { owner, signal: ctx.signal } : { owner });
  }

  release(ctx: CallContext): void {
    if (this.primitive instanceof Semaphore) this.primitive.release(1, { owner: ctx.owner });
    else this.primitive.release({ owner: ctx.owner });
  }

  releaseAllOwnedBy(owner: unknown): number {
    return this.primitive.releaseAllOwnedBy(owner);
  }

  __repr__(): string {
    return `<${this.primitive.constructor.name}>`;
  }
}
