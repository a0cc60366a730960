// `new Process({ ..., thread: true })` (Python's multiprocessing.dummy): the target runs on a worker
// thread of this process, a one-worker Pool running one task, so that it can be given sharedctypes
// objects (shared memory) as well as everything a child process can be given. What Process needs of
// a child is imitated: 'exit' with Python's code (0, 1 if the target threw, minus the signal number
// after terminate()/kill()), kill(), and pid (this process's: a thread has none of its own).
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { Pool } from './pool.js';

const log = createDebug('mpmanagers:process');

/**
 * Starts `exportName(...args)` of `module` on a worker thread; the proxies among the args connect
 * with `authkey`. Throws TypeError (as Process.start) if the args cannot be sent.
 */
export function startThread(module: string, exportName: string, args: unknown[], name: string, authkey: Uint8Array): ChildProcess {
  const pool = new Pool(1, { module, authkey });
  const child = new ThreadChild(pool);
  let running: Promise<unknown>;
  try {
    running = pool.apply(exportName, args);
  } catch (error) {
    void pool.terminate();
    throw error;
  }
  running.then(
    () => child.ended(0),
    (error: unknown) => {
      if (child.signal !== undefined) return; // terminated: the task's rejection says only that
      process.stderr.write(`Process ${name}:\n${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`);
      child.ended(1);
    },
  );
  return child as unknown as ChildProcess;
}

class ThreadChild extends EventEmitter {
  readonly pid = process.pid;
  readonly stdio: null[] = [];
  signal: NodeJS.Signals | undefined;
  private exited = false;

  constructor(private readonly pool: Pool) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exited || this.signal !== undefined) return false;
    this.signal = signal;
    void this.pool.terminate().then(() => this.emitExit(null, signal));
    return true;
  }

  /** The target returned (0) or threw (1): the worker is stopped, then 'exit' is emitted. */
  ended(code: number): void {
    void this.pool.terminate().then(() => this.emitExit(code, null));
  }

  private emitExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    log('thread process exited: code %s, signal %s', code, signal);
    this.emit('exit', code, signal);
  }
}
