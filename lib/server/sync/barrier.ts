// A Barrier served to clients. A party whose connection closes while waiting breaks the barrier, so
// the others get BrokenBarrierError instead of hanging (CPython hangs them).
import { AttributeError } from '../../errors.js';
import type { Barrier } from '../../primitives/index.js';
import { takesCallContext, type CallContext } from '../callContext.js';

export const BARRIER_EXPOSED = ['__getattribute__', 'wait', 'abort', 'reset'] as const;

/** The read-only attributes a client may read through `__getattribute__`. */
const ATTRIBUTES: Record<string, (b: Barrier) => unknown> = {
  parties: (b) => b.parties,
  n_waiting: (b) => b.nWaiting,
  broken: (b) => b.broken,
};

export class BarrierHost {
  static readonly [takesCallContext] = true;
  constructor(readonly barrier: Barrier) {}

  wait(ctx: CallContext, timeout: number | null = null): Promise<number> {
    return this.barrier.wait(timeout, { signal: ctx.signal, owner: ctx.owner });
  }
  abort(): void {
    this.barrier.abort();
  }
  reset(): void {
    this.barrier.reset();
  }
  __getattribute__(_ctx: CallContext, name: string): unknown {
    const read = Object.hasOwn(ATTRIBUTES, name) ? ATTRIBUTES[name] : undefined;
    if (read === undefined) throw new AttributeError(`'Barrier' object has no attribute '${String(name)}'`);
    return read(this.barrier);
  }
  __repr__(): string {
    return `<Barrier parties=${this.barrier.parties} n_waiting=${this.barrier.nWaiting} broken=${this.barrier.broken}>`;
  }
}
