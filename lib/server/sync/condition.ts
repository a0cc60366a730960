// A Condition served to clients. `wait` releases the lock fully for the calling connection and
// reacquires it before answering; `wait_for` runs on the client (the predicate is the client's).
import type { Condition } from '../../primitives/index.js';
import { takesCallContext, type CallContext } from '../callContext.js';
import { AcquirerHost } from './acquirer.js';

export const CONDITION_EXPOSED = ['acquire', 'release', 'wait', 'notify', 'notify_all'] as const;

export class ConditionHost extends AcquirerHost {
  static override readonly [takesCallContext] = true;
  constructor(readonly condition: Condition) {
    super(condition as never);
  }

  override async acquire(ctx: CallContext, blocking = true, timeout: number | null = null): Promise<boolean> {
    return this.condition.acquire(blocking, timeout, blocking ? { owner: ctx.owner, signal: ctx.signal } : { owner: ctx.owner });
  }

  wait(ctx: CallContext, timeout: number | null = null): Promise<boolean> {
    return this.condition.wait(timeout, { owner: ctx.owner, signal: ctx.signal });
  }

  notify(ctx: CallContext, n = 1): void {
    this.condition.notify(n, { owner: ctx.owner });
  }

  notify_all(ctx: CallContext): void {
    this.condition.notifyAll({ owner: ctx.owner });
  }
}
