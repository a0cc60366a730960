// A Queue/JoinableQueue served to clients under Python's method names. A get that completes for a
// caller who has meanwhile disconnected puts its item back at the head: a dead client never takes
// an item with it (CPython loses it). A waiting get of a client that leaves its replies unread is
// passed over: the items go to clients that read, and the server never piles them up as replies.
import { ConnectionClosedError } from '../../errors.js';
import type { Queue } from '../../primitives/index.js';
import { takesCallContext, type CallContext } from '../callContext.js';
import { estimateEncodedBytes } from '../adapters/resultSize.js';

export const QUEUE_EXPOSED = ['empty', 'full', 'get', 'get_nowait', 'join', 'put', 'put_nowait', 'qsize', 'task_done'] as const;

export class QueueHost {
  static readonly [takesCallContext] = true;
  constructor(readonly queue: Queue<unknown>) {}

  put(ctx: CallContext, item: unknown, block = true, timeout: number | null = null): void | Promise<void> {
    if (!this.queue.full()) return this.queue.putNowait(item);
    return this.queue.put(item, block, timeout, { signal: ctx.signal, owner: ctx.owner });
  }

  get(ctx: CallContext, block = true, timeout: number | null = null): unknown {
    if (!this.queue.empty()) return this.queue.getNowait();
    let reserved = 0;
    const accepts = (item: unknown): boolean => {
      const bytes = this.sizeOf(item);
      if (!ctx.reserveReply(bytes)) {
        ctx.whenReceivable(this.redeliver);
        return false;
      }
      reserved = bytes;
      return true;
    };
    return this.queue.get(block, timeout, { signal: ctx.signal, owner: ctx.owner, accepts }).then((item) => {
      ctx.releaseReply(reserved);
      if (!ctx.callerGone) return item;
      this.queue.unget(item);
      throw new ConnectionClosedError('the caller disconnected; the item was put back');
    });
  }

  /** Offers queued items again to the getters passed over (their clients have read their replies). */
  private readonly redeliver = (): void => this.queue.redeliver();

  /** The last item sized, and its size: a put offers one item to many getters in turn. */
  private sized: { item: unknown; bytes: number } = { item: undefined, bytes: 0 };

  private sizeOf(item: unknown): number {
    if (this.sized.item !== item || item === undefined) this.sized = { item, bytes: estimateEncodedBytes(item, 1 << 30) };
    return this.sized.bytes;
  }

  put_nowait(_ctx: CallContext, item: unknown): void {
    this.queue.putNowait(item);
  }
  get_nowait(_ctx: CallContext): unknown {
    return this.queue.getNowait();
  }
  qsize(): number {
    return this.queue.qsize();
  }
  empty(): boolean {
    return this.queue.empty();
  }
  full(): boolean {
    return this.queue.full();
  }
  task_done(): void {
    this.queue.taskDone();
  }
  join(ctx: CallContext): Promise<void> {
    return this.queue.join({ signal: ctx.signal, owner: ctx.owner });
  }
  __repr__(): string {
    return `<Queue qsize=${this.queue.qsize()} maxsize=${this.queue.maxsize}>`;
  }
}
