// Scripts on an object whose Cluster slot is being migrated between masters (MIGRATING/IMPORTING +
// MIGRATE, what `redis-cli --cluster reshard` does). A script declares its object's five keys, and
// while the slot moves Redis runs it only on a node that holds all of them: otherwise the old master
// answers ASK (none there) or TRYAGAIN (some), and the new one, asked, TRYAGAIN (some missing) —
// always before anything ran. ioredis follows these replies up to `maxRedirections` times, then
// rejects "Too many Cluster redirections"; since an object rarely has all five keys (an empty list,
// no auxiliary key yet), that lasts until the migration ends. Such a script is sent again here after
// a pause, until the call's callTimeout. See docs/redis.md, "Failures".
import createDebug from 'debug';
import { ConnectionClosedError } from '../errors.js';

const log = createDebug('mpmanagers:redis');

/** The replies that say a command was refused, not run, because its slot is moving (directly, or as ioredis's last one). */
const MOVING = /^(?:Too many Cluster redirections\. Last error: (?:\w*Error: )?)?(?:TRYAGAIN|ASK|MOVED) /;

export function slotMoving(error: unknown): error is Error {
  return error instanceof Error && MOVING.test(error.message);
}

const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 200;

/**
 * After `error` from a call's first try (the call started at `started`, Date.now()), sends again
 * with `send()` while the error says the slot is moving (`seen()` is told each time), pausing 10,
 * 20... up to 200 ms, and not starting a try later than `limitMs` after `started` (0: no limit), so
 * that nothing runs after the call's callTimeout has rejected it.
 */
export async function retryWhileMoving<T>(
  error: unknown,
  send: () => Promise<T>,
  started: number,
  limitMs: number,
  what: string,
  seen: () => void,
): Promise<T> {
  const until = limitMs > 0 ? started + limitMs : Infinity;
  let pause = FIRST_PAUSE_MS;
  let tries = 1;
  while (slotMoving(error)) {
    seen();
    if (Date.now() + pause >= until) {
      throw new ConnectionClosedError(
        `${what}: its Redis Cluster slot is being migrated between masters, and the migration did not end within callTimeout (${limitMs / 1000} s); the call did not run (${error.message})`,
        { cause: error },
      );
    }
    if (tries === 1) log('%s: slot migrating (%s), retrying', what, error.message);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    tries++;
    try {
      return await send();
    } catch (next) {
      error = next;
    }
  }
  throw error;
}
