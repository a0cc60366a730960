// multiprocessing.connection.wait(): the connections among `objects` that have something to read.
import { ValueError } from '../errors.js';
import type { Connection } from './connection.js';

/**
 * Waits until at least one of `connections` is ready (a message to read, or its end: recv() then
 * rejects EOFError) and resolves to those that are. `timeout` in seconds: null (the default) waits
 * as long as it takes, 0 answers at once; an empty array once it expires.
 */
export async function wait(connections: Iterable<Connection>, timeout: number | null = null): Promise<Connection[]> {
  if (timeout !== null && !(timeout >= 0)) throw new ValueError(`timeout must be a number of seconds >= 0 or null, not ${timeout}`);
  const list = [...connections];
  const ready = (): Connection[] => list.filter((conn) => conn._readyToRead());
  let found = ready();
  if (found.length > 0 || timeout === 0 || list.length === 0) return found;
  const deadline = timeout === null ? Infinity : performance.now() + timeout * 1000;
  while (found.length === 0) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    const stops: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      for (const conn of list) stops.push(conn._whenReadable(resolve));
      if (remaining !== Infinity) timer = setTimeout(resolve, remaining);
    });
    clearTimeout(timer);
    for (const stop of stops) stop();
    found = ready();
  }
  return found;
}
