// A pickle server's event loop keeps polling for a moment after a reply instead of going to sleep,
// while requests from several connections keep it busy (docs/performance.md, "Session 6: the
// pickle Queue row").
//
// A CPython Queue producer and consumer keep two requests in flight, on two connections, each sent
// a few µs after the reply to the other. An idle event loop blocks in epoll_wait, and each request
// then has to wake this thread up: on this machine's virtual CPUs that wake-up, paid by the client's
// send and by us, costs more than serving the request. CPython's server has a thread per
// connection, so one connection's request is read while another's reply is being written; ours has
// one thread, so it stays awake instead: after a reply, each event-loop turn polls without blocking
// (a pending setImmediate makes libuv poll with a zero timeout) until WINDOW_MS pass with no reply.
//
// Only while it pays, and only for concurrent clients: a request that arrives within WINDOW_MS of a
// reply to ANOTHER connection is a hit; one arriving later is a miss; one on the connection just
// answered counts against too (a lone client calling in a loop: it waits for our reply anyway, and
// its turn-around includes its own wake-up). The loop polls only while most recent requests were
// hits. So a single sequential client never makes it poll, nor do requests that straggle (a machine
// too busy to give the client its CPU); a polling turn that comes late (this thread was preempted:
// the machine has no CPU to spare) stops it and starts the count afresh. Bounded: at most WINDOW_MS
// of CPU per reply followed by silence, nothing once the traffic stops. Timers, I/O and every
// connection are served as usual meanwhile: nothing here blocks.
// The state is the process's, as the event loop is: every pickle server in it shares it.
import { performance } from 'node:perf_hooks';
import { LoopPoller } from '../connection/loopPoller.js';

/** How long the loop keeps polling after the last reply, in ms. */
export const WINDOW_MS = 0.05;
/** The hit counter's ceiling, and the count from which the loop polls. */
const MAX_HITS = 8;
const POLL_FROM = 4;

let lastReply = -Infinity;
/** Whom the last reply went to (a session, compared by identity only). */
let lastReplyTo: object | undefined;
let hits = 0;

const poller = new LoopPoller(
  (now) => hits >= POLL_FROM && now - lastReply < WINDOW_MS,
  // A late turn: on a machine with no CPU to spare, spinning takes it from the clients. Count afresh.
  () => {
    hits = 0;
  },
);

/** A request arrived from `from`: counts whether polling since the last reply was worth it. */
export function requestArrived(from: object): void {
  if (performance.now() - lastReply >= WINDOW_MS) hits = Math.max(0, hits - 2);
  else if (from !== lastReplyTo) hits = Math.min(MAX_HITS, hits + 1);
  else hits = Math.max(0, hits - 1);
}

/** A reply to `to` was just written: keep the event loop from sleeping for WINDOW_MS, if that pays. */
export function keepPolling(to: object): void {
  lastReply = performance.now();
  lastReplyTo = to;
  if (hits >= POLL_FROM) poller.start(lastReply);
}

/** Whether the loop is polling now (for tests). */
export function isPolling(): boolean {
  return poller.active;
}
