// A pickle server's event loop keeps polling for a moment after each reply instead of going to
// sleep (docs/performance.md, "Session 6: the pickle Queue row").
//
// A CPython client sends its next request a few to a few tens of µs after our reply reaches it
// (a Queue producer and consumer: two requests in flight, each a few µs after the other's reply).
// An idle event loop blocks in epoll_wait, and every request then has to wake this thread up: on
// this machine's virtual CPUs that wake-up, paid by the client's send and by us, costs more than
// the request itself. CPython's server has a thread per connection; ours has one thread, so it
// stays awake instead: after a reply, each event-loop turn polls without blocking (a pending
// setImmediate makes libuv poll with a zero timeout) until WINDOW_MS pass with no reply sent.
//
// Bounded: at most WINDOW_MS of CPU per reply followed by silence, nothing once the traffic stops.
// Timers, I/O and every other connection are served as usual meanwhile: nothing here blocks.
import { performance } from 'node:perf_hooks';

/** How long the loop keeps polling after the last reply, in ms. */
export const WINDOW_MS = 0.05;

let lastReply = 0;
let polling = false;

function poll(): void {
  if (performance.now() - lastReply < WINDOW_MS) setImmediate(poll);
  else polling = false;
}

/** A reply was just written: keep the event loop from sleeping for the next WINDOW_MS. */
export function keepPolling(): void {
  lastReply = performance.now();
  if (polling) return;
  polling = true;
  setImmediate(poll);
}

/** Whether the loop is polling now (for tests). */
export function isPolling(): boolean {
  return polling;
}
