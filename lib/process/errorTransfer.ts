// Errors sent between processes and threads as the wire codec sends them (lib/codec/errorPayload.ts):
// rebuilt on the other side by class name, with the remote stack; unknown classes as RemoteError.
import { errorToPayload, errorFromPayload } from '../codec/errorPayload.js';
import { inspect } from 'node:util';
import createDebug from 'debug';
import { ManagerError } from '../errors.js';

const log = createDebug('mpmanagers:process');

/** A structured-cloneable description of `thrown` (its data fields too, when they can be cloned). */
export function errorMessage(thrown: unknown): unknown[] {
  const error = thrown instanceof Error ? thrown : new ManagerError(`non-Error thrown: ${inspect(thrown)}`);
  const payload = errorToPayload(error, true);
  try {
    structuredClone(payload);
    return payload;
  } catch (cloneError) {
    // A field (a function, a socket...) cannot cross: send the error without its fields.
    log('error fields dropped: %s', (cloneError as Error).message);
    return errorToPayload(error, false);
  }
}

export { errorFromPayload as errorFromMessage };
