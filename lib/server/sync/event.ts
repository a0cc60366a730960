// An Event served to clients under Python's method names.
import type { Event } from '../../primitives/index.js';
import { takesCallContext, type CallContext } from '../callContext.js';

export const EVENT_EXPOSED = ['is_set', 'set', 'clear', 'wait'] as const;

export class EventHost {
  static readonly [takesCallContext] = true;
  constructor(readonly event: Event) {}

  is_set(): boolean {
    return this.event.isSet();
  }
  set(): void {
    this.event.set();
  }
  clear(): void {
    this.event.clear();
  }
  wait(ctx: CallContext, timeout: number | null = null): boolean | Promise<boolean> {
    if (this.event.isSet()) return true;
    return this.event.wait(timeout, { signal: ctx.signal, owner: ctx.owner });
  }
  __repr__(): string {
    return `<Event set=${this.event.isSet()}>`;
  }
}
