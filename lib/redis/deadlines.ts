// callTimeout for every command of a RedisManager, without a timer per command. ioredis's own
// `commandTimeout` arms and clears a timer for each command (and deletes a property of each Command,
// which slows every later access to it): at tens of thousands of calls a second that was the largest
// cost a RedisManager added to the bare client. Here a pending call is an entry in the current
// slot's set (a Set of small objects: measured several times cheaper than a Map keyed by the
// reject functions); one interval timer starts a new slot every `limit / SLOTS` and rejects what is still
// pending in slots older than `limit` with ConnectionClosedError. A call therefore rejects between
// `limit` and `limit × (1 + 1 / SLOTS)` after it started, and a settled call leaves nothing behind.
import { ConnectionClosedError } from '../errors.js';

const SLOTS = 8;

/** One pending call: how to reject it, and what it was (for the error's message). */
export class Pending {
  /** Set when callTimeout passed and the call was rejected (nothing may be sent for it afterwards). */
  expired = false;
  constructor(
    readonly reject: (error: Error) => void,
    readonly what: string,
  ) {}
}

export class Deadlines {
  /** Pending calls by slot, oldest first; the last is the current one. */
  private readonly slots: Set<Pending>[] = [new Set()];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly limitMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.ceil(limitMs / SLOTS)));
    this.timer.unref();
  }

  /** The current slot: add the call's entry, and delete it once the call settles. */
  get current(): Set<Pending> {
    return this.slots[this.slots.length - 1];
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    // A slot leaves once SLOTS newer ones exist: all its calls started at least `limit` ago.
    this.slots.push(new Set());
    while (this.slots.length > SLOTS + 1) {
      const expired = this.slots.shift()!;
      for (const pending of expired) {
        pending.expired = true;
        pending.reject(new ConnectionClosedError(`${pending.what}: Redis did not answer within callTimeout (${this.limitMs / 1000} s): is it down or unreachable?`));
      }
    }
  }
}
