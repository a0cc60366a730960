// Gives memory back after a large message. V8 collects garbage when it allocates, not when it is
// idle: a server that has just sent a 48 MiB reply, or refused a 35 MiB request, and then goes
// quiet keeps those megabytes (the message, the encoder's buffer, a freed list) resident for as long
// as it stays quiet. After a message of LARGE_MESSAGE bytes or more, a full collection runs once the
// server has seen no large message for RELEASE_DELAY_MS (at most one per delay, on an unref'd timer),
// and the pool of large buffers lets its idle buffers go first.
//
// The collector is reached as collector.ts says; where that is not possible nothing is done.
import createDebug from 'debug';
import { collector } from './collector.js';
import { largeBuffers } from './largeBufferPool.js';

const log = createDebug('mpmanagers:memory');

/** Messages of this many bytes or more schedule a collection. */
export const LARGE_MESSAGE = 8 * 1024 * 1024;
/** Quiet time, after the last large message, before collecting. */
const RELEASE_DELAY_MS = 1000;

let timer: NodeJS.Timeout | undefined;

/** Called with the size of each message sent or received; cheap for small ones. */
export function noteMessageSize(bytes: number): void {
  if (bytes < LARGE_MESSAGE) return;
  if (timer === undefined) {
    timer = setTimeout(release, RELEASE_DELAY_MS);
    timer.unref();
  } else {
    timer.refresh();
  }
}

function release(): void {
  timer = undefined;
  largeBuffers.clear();
  const gc = collector();
  if (gc === undefined) return;
  const start = performance.now();
  gc();
  log('collected garbage after a large message in %d ms', Math.round(performance.now() - start));
}
