// What every child entry script of this folder does: leave when its parent is gone, and talk to the
// parent over the IPC channel it was spawned with.
import createDebug from 'debug';
import { ManagerError } from '../errors.js';

const log = createDebug('mpmanagers:process');

/**
 * Exits when the IPC channel to the parent closes: the parent exited, crashed or was SIGKILLed (the
 * kernel closes its end of the channel in every case). `beforeExit` may clean up first, briefly.
 */
export function exitWhenParentDies(beforeExit?: () => Promise<void>): void {
  process.once('disconnect', () => {
    log('pid %d: the parent is gone; exiting', process.pid);
    const exit = (): never => process.exit(1);
    if (beforeExit === undefined) exit();
    // Do not let a cleanup that hangs keep an orphan alive.
    setTimeout(exit, 1000).unref();
    beforeExit!().then(exit, (error: unknown) => {
      log('cleanup before exit failed: %O', error);
      exit();
    });
  });
}

/** The parent's first message (the child's instructions). */
export function firstMessage<T>(): Promise<T> {
  if (process.send === undefined) throw new ManagerError('this script is started by mpmanagers with an IPC channel, not run directly');
  return new Promise((resolve) => process.once('message', (message) => resolve(message as T)));
}

/** Sends a message to the parent; resolves once it is written (or the parent is gone). */
export function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, (error) => {
      if (error !== null) log('could not message the parent: %s', error.message);
      resolve();
    });
  });
}
