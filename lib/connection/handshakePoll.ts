// While a connection's handshake waits for its peer's next step, the event loop polls for a moment
// instead of going to sleep (docs/performance.md, "Session 7: connect").
//
// A connection comes up in six one-way hops (connect, challenge, answer + challenge, verdict +
// answer, verdict + first request, reply), each a write by one process that the other is waiting
// for. A process with nothing else to do blocks in epoll_wait and its CPU halts; on this project's
// virtual machines (cpuidle haltpoll with no guest polling) the peer's write must then wake that CPU
// through the hypervisor, which costs the writer tens of µs inside its write() and the sleeper as
// much again before it runs. The peer's next step usually comes within ~100 µs, so each wait polls
// the loop without blocking (a pending setImmediate makes libuv poll with a zero timeout) for at
// most WAIT_CAP_MS: the step then finds this process awake, and both sides skip the wake-up.
//
// Only when the machine seems to have a CPU to spare: when it has more runnable threads than CPUs
// (read from /proc/loadavg when a wait starts and every RECHECK_MS while it polls), a polling process
// would hold a CPU that another one, perhaps the very peer it waits for, is queued for; measured, that
// made connects 2-3 times slower on a busy machine. So it does not poll then, nor anywhere the count
// (or this thread's wait for a CPU, below) cannot be read (not Linux). The count is a sample of one moment: in one A/B pair of eleven, on a busy
// machine, connects were still slower with polling (docs/performance.md). A polling turn that comes late ends the poll; if this thread
// spent that time waiting for a CPU (it was preempted), waits do not poll for BACKOFF_MS either.
// Bounded: at most WAIT_CAP_MS of CPU per wait (a handshake has two or three), only while some
// handshake of this process waits, never afterwards. Nothing blocks: timers, I/O and every other
// connection are served as usual meanwhile.
// The state is the process's, as the event loop is: every connection in it shares one poll.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { LATE_TURN_MS, LoopPoller } from './loopPoller.js';
import { runQueueWaitMs, runnableThreads } from './cpuLoad.js';

/** How long one wait for the peer may keep the loop polling, in ms. */
export const WAIT_CAP_MS = 0.15;
/** After this thread was found preempted, waits do not poll for this long, in ms. */
export const BACKOFF_MS = 20;
/** While polling, the run queue is looked at again once this long has passed since the last look, in ms. */
const RECHECK_MS = 0.025;
const CPUS = os.availableParallelism();

/** Handshake steps waiting for their peer now. */
let waiting = 0;
/** Polling stops at this time (performance.now()) unless a new wait pushes it on. */
let deadline = 0;
/** This thread's time spent waiting for a CPU when this poll began, in ms (to tell preemption from our own work). */
let pollRunQueueWait = 0;
/** No polling before this time (this thread was found preempted). */
let offUntil = 0;
/** Turns polled in all (for tests). */
let turns = 0;
/** When the run queue was last looked at. */
let lastCheck = 0;

/** Why a poll ended (for tests). */
export type StopReason = 'no wait' | 'cap' | 'no spare CPU' | 'late' | 'preempted';
let stoppedBy: StopReason | undefined;

function stop(reason: StopReason): false {
  stoppedBy = reason;
  return false;
}

const poller = new LoopPoller(
  (now) => {
    turns++;
    if (waiting === 0) return stop('no wait');
    if (now - lastCheck >= RECHECK_MS && !spareCpu(now)) return stop('no spare CPU');
    if (now >= deadline) return stop('cap');
    return true;
  },
  (now) => {
    // A late turn ends this poll. If this thread has waited for a CPU since the poll began for
    // longer than a late turn's gap, it was preempted: the machine has no CPU to spare. A turn late
    // because of this process's own work (a long callback, a collection) only ends it. (The
    // process's CPU time would not tell them apart: its other threads, V8's collector and compiler
    // among them, can use as much CPU as the preempted thread lost.)
    const preempted = (runQueueWaitMs() ?? 0) - pollRunQueueWait > LATE_TURN_MS;
    if (preempted) offUntil = now + BACKOFF_MS;
    stop(preempted ? 'preempted' : 'late');
  },
);

/** Why the last poll ended (for tests). */
export function lastStopReason(): StopReason | undefined {
  return stoppedBy;
}

/**
 * A handshake step now waits for the peer's next frame: the loop polls for up to WAIT_CAP_MS if a
 * CPU is to spare (see above). Call waitEnded() once when the frame has come or the wait failed.
 */
export function waitStarted(): void {
  waiting++;
  const now = performance.now();
  if (now < offUntil) return;
  deadline = Math.max(deadline, now + WAIT_CAP_MS);
  if (poller.active || !spareCpu(now)) return;
  const runQueueWait = runQueueWaitMs();
  if (runQueueWait === undefined) return; // preemption could not be told: never poll
  pollRunQueueWait = runQueueWait;
  poller.start(now);
}

export function waitEnded(): void {
  waiting--;
}

/** Whether every runnable thread of the machine has a CPU (this one and its peer included); false where that cannot be told. */
function cpuToSpare(): boolean {
  const runnable = runnableThreads();
  return runnable !== undefined && runnable <= CPUS;
}

let probe: () => boolean = cpuToSpare;

function spareCpu(now: number): boolean {
  lastCheck = now;
  return probe();
}

/**
 * For tests: what says whether a CPU is to spare (the machine's run queue by default). Tests set
 * it so that polling does not depend on what else the machine is running at that moment.
 */
export function setSpareCpuProbe(replacement: (() => boolean) | undefined): void {
  probe = replacement ?? cpuToSpare;
}

/** Whether the loop is polling now (for tests). */
export function isPolling(): boolean {
  return poller.active;
}

/** Polling turns so far, in this process (for tests). */
export function pollingTurns(): number {
  return turns;
}
