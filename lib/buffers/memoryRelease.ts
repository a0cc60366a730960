// Gives memory back after a large message. V8 collects garbage when it allocates, not when it is
// idle: a server that has just sent a 48 MiB reply, or refused a 35 MiB request, and then goes
// quiet keeps those megabytes (the message, the encoder's buffer, a freed list) resident for as long
// as it stays quiet. After a message of LARGE_MESSAGE bytes or more, a full collection runs once the
// server has seen no large message for RELEASE_DELAY_MS (at most one per delay, on an unref'd timer),
// and the pool of large buffers lets its idle buffers go first.
//
// The collector is reached through V8's --expose-gc flag, set at run time and read by a new context
// only (globalThis.gc of the program is not touched); where that is not possible nothing is done.
import v8 from 'node:v8';
import vm from 'node:vm';
import createDebug from 'debug';
import { largeBuffers } from './largeBufferPool.js';

const log = createDebug('mpmanagers:memory');

/** Messages of this many bytes or more schedule a collection. */
export const LARGE_MESSAGE = 8 * 1024 * 1024;
/** Quiet time, after the last large message, before collecting. */
const RELEASE_DELAY_MS = 1000;

let collect: (() => void) | undefined | null = null; // null: not looked up yet
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

function collector(): (() => void) | undefined {
  if (collect !== null) return collect;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return (collect = exposed);
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    collect = typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch (error) {
    log('no garbage collector to call: %O', error);
    collect = undefined;
  }
  return collect;
}
