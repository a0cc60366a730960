// The end of a child process as Python reports it (exit code, or minus the signal number), and
// waiting for it with a timeout in seconds.
import type { ChildProcess } from 'node:child_process';
import createDebug from 'debug';
import { exitCodeOf } from './spawnChild.js';

const log = createDebug('mpmanagers:process');

export class ChildExit {
  /** null while the child runs. */
  exitCode: number | null = null;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;

  constructor(child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve((this.exitCode = exitCodeOf(code, signal))));
      // 'error': the spawn itself failed (no 'exit' follows), or a kill/send failed (logged only).
      child.on('error', (error) => {
        log('child %s: %s', child.pid ?? '(not spawned)', error.message);
        if (child.pid === undefined && this.exitCode === null) resolve((this.exitCode = 1));
      });
    });
  }

  /** True once the child has exited; false if `timeout` seconds pass first (null: no limit). */
  async wait(timeout: number | null | undefined): Promise<boolean> {
    if (this.exitCode !== null) return true;
    if (timeout === null || timeout === undefined) {
      await this.exited;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeout) * 1000, false)));
    try {
      return await Promise.race([this.exited.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
