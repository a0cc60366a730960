// Progress of a Pool's map/imap (local, or through manager.Pool): `onProgress(done, total)` is
// called in the caller's process each time more items are done. A callback that throws is logged,
// never allowed to fail the work it watches.
import createDebug from 'debug';
import { TypeError as PyTypeError } from '../errors.js';

const log = createDebug('mpmanagers:pool');

export interface ProgressOptions {
  /** Called with the items done so far and the total, after each completed chunk (local) or item (manager.Pool). Default: none. */
  onProgress?: (done: number, total: number) => void;
}

/** Counts completed items for `options.onProgress` (a no-op counter without one). */
export function progressCounter(options: ProgressOptions, total: number): (items: number) => void {
  const { onProgress } = options;
  if (onProgress === undefined) return () => undefined;
  if (typeof onProgress !== 'function') throw new PyTypeError('onProgress must be a function');
  let done = 0;
  return (items) => {
    done += items;
    try {
      onProgress(done, total);
    } catch (error) {
      log('onProgress(%d, %d) threw: %O', done, total, error);
    }
  };
}
