// Keeps the event loop polling instead of sleeping: a pending setImmediate makes libuv poll for I/O
// with a zero timeout, so a peer's next message finds this thread awake rather than halted in
// epoll_wait (on virtual CPUs that halt at once, each such wake-up goes through the hypervisor). The
// one mechanism behind the pickle server's polling after its replies (server/busyPoll.ts) and a
// handshake's polling while it waits for its peer (handshakePoll.ts); each decides when to poll.
import { performance } from 'node:perf_hooks';

/**
 * A gap between two polling turns longer than this, in ms, ends the polling: the thread was
 * preempted (the machine has no CPU to spare, and spinning would take one from others) or the loop
 * was busy for long.
 */
export const LATE_TURN_MS = 0.5;

export class LoopPoller {
  private polling = false;
  private lastTurn = 0;

  /**
   * `turn(now)` runs at each polling turn that is not late and says whether to poll on; `late(now)`
   * runs when a turn came late, and the polling stops.
   */
  constructor(
    private readonly turn: (now: number) => boolean,
    private readonly late: (now: number) => void,
  ) {}

  /** Whether the loop is polling now. */
  get active(): boolean {
    return this.polling;
  }

  /** Starts polling (nothing if it already is); `now` is performance.now(), if the caller has it. */
  start(now = performance.now()): void {
    if (this.polling) return;
    this.polling = true;
    this.lastTurn = now;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    const now = performance.now();
    if (now - this.lastTurn > LATE_TURN_MS) {
      this.polling = false;
      this.late(now);
      return;
    }
    this.lastTurn = now;
    if (this.turn(now)) setImmediate(this.step);
    else this.polling = false;
  };
}
