// Helpers for the reliability tests: child processes running the scripts in ./fixtures, and small
// assertions about promises and time.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export { sleep, eventually } from '../helpers/servers.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A child process running one fixture script; its stdout is read line by line. */
export class Child {
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed) and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lines: string[] = [];
  private readonly lineWaiters: (() => void)[] = [];
  private stderr = '';

  /**
   * Runs `fixtures/<script>` with `input` as its JSON argument, under the same loader as this
   * process (tsx in mocha). `env` is added to the environment (secrets travel there, never in argv).
   */
  constructor(script: string, input: unknown, env: Record<string, string> = {}) {
    const path = fileURLToPath(new URL(script, FIXTURES));
    this.process = spawn(process.execPath, [...process.execArgv, path, JSON.stringify(input)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    readline.createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.lineWaiters.splice(0)) wake();
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        for (const wake of this.lineWaiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The first line starting with `prefix` (the rest of the line parsed as JSON when it is some). */
  async line(prefix: string, seconds = 20): Promise<any> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const found = this.lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) {
        const rest = found.slice(prefix.length).trim();
        return rest === '' ? true : JSON.parse(rest);
      }
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`child exited before printing '${prefix}'; stderr:\n${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`child did not print '${prefix}' within ${seconds} s; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.lineWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get errors(): string {
    return this.stderr;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
  }

  /** SIGKILLs the child (also a stopped one) and waits for it to be gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

/** Kills every child still running: for `afterEach`, so that no test leaves a process behind. */
export async function killAll(children: Child[]): Promise<void> {
  await Promise.all(children.splice(0).map((c) => c.kill()));
}

export { rejectionOf } from '../helpers/assertions.js';

/** Seconds since `start` (a performance.now() value). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Resolves with 'settled' or 'pending' after `seconds`, whichever comes first. */
export async function settledWithin(promise: Promise<unknown>, seconds: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), seconds * 1000)));
  const settled = promise.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `bytes` cut at the given offsets (taken modulo its length), in order. */
export function cutInto(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > start) chunks.push(bytes.subarray(start, offset));
    start = Math.max(start, offset);
  }
  return chunks;
}
