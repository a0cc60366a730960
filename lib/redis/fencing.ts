// The fencing token of a Redis Lock/RLock: a counter incremented at every acquisition. A holder
// passes it along with each write to whatever the lock protects, which refuses tokens older than
// the newest it has seen: a holder whose lease ran out while it was paused is then fenced off.
import type { AcquirerProxy } from '../proxies/acquirer.js';

/** The token of the acquisition this manager holds, or null if it does not hold the lock. */
export function fencingToken(lock: AcquirerProxy): Promise<number | null> {
  return lock._callMethod('fencing_token');
}
