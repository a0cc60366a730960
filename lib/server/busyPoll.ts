// A pickle server's event loop keeps polling for a moment after a reply instead of going to sleep,
// while the replies come close together (docs/performance.md, "Session 6: the pickle Queue row").
//
// A CPython Queue producer and consumer keep two requests in flight, each sent a few µs after the
// reply to the other. An idle event loop blocks in epoll_wait, and each request then has to wake
// this thread up: on this machine's virtual CPUs that wake-up, paid by the client's send and by us,
// costs more than serving the request. CPython's server has a thread per connection; ours has one,
// so it stays awake instead: after a reply, each event-loop turn polls without blocking (a pending
// setImmediate makes libuv poll with a zero timeout) until WINDOW_MS pass with no reply sent.
//
// Only while it pays: a request that arrives within WINDOW_MS of the last reply is a hit (the loop
// would have slept less than the window), a later one a miss, and the loop polls only while most
// recent requests were hits. A client that thinks between calls (gaps longer than the window) or a
// machine so busy that requests straggle never makes it poll. Bounded: at most WINDOW_MS of CPU per reply followed by silence, nothing once the
// traffic stops. Timers, I/O and every other connection are served as usual: nothing here blocks.
import { performance } from 'node:perf_hooks';

/** How long the loop keeps polling after the last reply, in ms. */
export const WINDOW_MS = 0.05;
/** The hit counter's ceiling, and the count from which the loop polls (a miss takes two off). */
const MAX_HITS = 8;
const POLL_FROM = 4;

let lastReply = -Infinity;
let hits = 0;
let polling = false;

function poll(): void {
  if (performance.now() - lastReply < WINDOW_MS) setImmediate(poll);
  else polling = false;
}

/** A request arrived: counts whether polling since the last reply would have caught it. */
export function requestArrived(): void {
  if (performance.now() - lastReply < WINDOW_MS) hits = Math.min(MAX_HITS, hits + 1);
  else hits = Math.max(0, hits - 2);
}

/** A reply was just written: keep the event loop from sleeping for the next WINDOW_MS, if that pays. */
export function keepPolling(): void {
  lastReply = performance.now();
  if (polling || hits < POLL_FROM) return;
  polling = true;
  setImmediate(poll);
}

/** Whether the loop is polling now (for tests). */
export function isPolling(): boolean {
  return polling;
}
