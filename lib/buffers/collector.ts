// V8's garbage collector, for the places that must run it themselves (memoryRelease.ts after a
// large message on a quiet server, youngRelease.ts after large values handed out). The program's
// own globalThis.gc if it runs with --expose-gc; else the one a new context gets while the flag is
// set for a moment at run time (the program's globals are not touched, and the flag is set back so
// that contexts made later do not get a `gc` either). Where that is not possible: undefined.
import v8 from 'node:v8';
import vm from 'node:vm';
import createDebug from 'debug';

const log = createDebug('mpmanagers:memory');

/** V8's gc(): a full collection, or with `{ type: 'minor' }` a young-generation one (a scavenge). */
export type Collector = (options?: { type: 'minor' | 'major' }) => void;

/**
 * `MPMANAGERS_COLLECT_GARBAGE=0` in the environment: this library never runs a collection itself
 * (neither memoryRelease's nor youngRelease's); V8 decides alone, as for any other program.
 */
export const NO_COLLECTIONS_ENV = 'MPMANAGERS_COLLECT_GARBAGE';

let found: Collector | undefined | null = null; // null: not looked up yet

export function collector(): Collector | undefined {
  if (found !== null) return found;
  if (process.env[NO_COLLECTIONS_ENV] === '0') {
    log('%s=0: this library runs no garbage collection of its own', NO_COLLECTIONS_ENV);
    return (found = undefined);
  }
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (found = exposed as Collector);
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    found = typeof gc === 'function' ? (gc as Collector) : undefined;
  } catch (error) {
    log('no garbage collector to call: %O', error);
    found = undefined;
  }
  return found;
}
