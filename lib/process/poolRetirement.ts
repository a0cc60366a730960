// Python's `maxtasksperchild` on piscina: a load balancer that gives each worker at most N tasks,
// and, once a worker has replied to its Nth, terminates it; piscina then starts a replacement (its
// minThreads), which runs the initializer again. The reply is in hand before the worker goes, and
// the balancer never gives a retiring worker another task, so no task is lost.
import type { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import createDebug from 'debug';

const log = createDebug('mpmanagers:pool');

type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

export class WorkerRetirement {
  /** Tasks handed to each worker (by thread id) and replies received from it. */
  private readonly assigned = new Map<number, number>();
  private readonly completed = new Map<number, number>();

  constructor(
    readonly maxTasks: number,
    private readonly threads: () => readonly Worker[],
  ) {}

  /** Piscina's loadBalancer: an idle worker that has not had its N tasks yet, else none (the task waits). */
  readonly balancer: LoadBalancer = (_task, workers) => {
    if (this.assigned.size > 2 * workers.length) this.forgetGone();
    for (const worker of workers) {
      // A thread id of -1: the thread has stopped (a retired worker) though piscina still lists it.
      if (worker.id < 0 || worker.currentUsage !== 0 || worker.terminating || worker.destroyed) continue;
      const count = this.assigned.get(worker.id) ?? 0;
      if (count >= this.maxTasks) continue;
      this.assigned.set(worker.id, count + 1);
      return worker;
    }
    return null;
  };

  /** Called with the thread id a reply came from: the worker goes once it has done its N tasks. */
  replied(threadId: number): void {
    const count = (this.completed.get(threadId) ?? 0) + 1;
    this.completed.set(threadId, count);
    if (count < this.maxTasks) return;
    // Its `assigned` count stays at N until it is gone: piscina lists it until its exit event.
    this.completed.delete(threadId);
    const worker = this.threads().find((thread) => thread.threadId === threadId);
    log('retiring pool worker %d after %d tasks', threadId, count);
    worker?.terminate().catch((error: unknown) => log('terminating worker %d failed: %O', threadId, error));
  }


  /** Drops the counts of worker threads that have stopped (retired or crashed). */
  private forgetGone(): void {
    const live = new Set(this.threads().map((thread) => thread.threadId));
    for (const id of this.assigned.keys()) if (!live.has(id)) this.assigned.delete(id);
    for (const id of this.completed.keys()) if (!live.has(id)) this.completed.delete(id);
  }
}
