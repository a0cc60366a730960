// Helpers for tests with real child processes: fixture URLs, the processes alive, running a
// fixture script with this process's loader flags, and checking that nothing is left running.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { SyncManager } from '../../lib/index.js';

/** The file URL of test/fixtures/process/<name>.ts. */
export function fixture(name: string): string {
  return new URL(`../fixtures/process/${name}.ts`, import.meta.url).href;
}

/** True while `pid` is a live process (not gone, not a zombie). */
export function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The live child processes of this process. */
export function childPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') pids.add(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Snapshots the child processes before a suite; `expectNoneLeft()` (in an `after` hook) fails if new ones remain. */
export function trackChildProcesses(): { expectNoneLeft(): Promise<void> } {
  const existing = new Set<number>();
  before(() => {
    for (const pid of childPids()) existing.add(pid);
  });
  return {
    async expectNoneLeft() {
      const deadline = Date.now() + 5000;
      const leftover = (): number[] => [...childPids()].filter((pid) => !existing.has(pid));
      while (leftover().length > 0 && Date.now() < deadline) await sleep(0.05);
      expect(leftover(), 'child processes left running').to.deep.equal([]);
    },
  };
}

/** For a suite without `after` hooks of its own: fails it if it leaves a child process running. */
export function expectNoLeftoverProcesses(): void {
  const tracked = trackChildProcesses();
  after(() => tracked.expectNoneLeft());
}

/** The command line of a process, its arguments joined by spaces. */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

/** The environment of a process. */
export function environment(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a fixture script with this process's loader flags; resolves when it exits. */
export function runScript(name: string, args: string[] = [], timeoutSeconds = 30): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, new URL(fixture(name)).pathname, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Resolves after `seconds`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Polls `predicate` until it is true, or fails after `seconds`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(0.02);
  }
}

/** What `fn` throws or rejects with (fails the test if it does neither). */
export async function rejection(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** The reference count the server reports for object `id` (from `_debugInfo()`). */
export function refcountOf(debugInfo: string, id: string): number | undefined {
  const match = new RegExp(`^  ${id}:\\s+refcount=(\\d+)`, 'm').exec(debugInfo);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Starts a SyncManager server process before the enclosing suite's tests (handed to `use`) and shuts
 * it down after them, checking that no child process is left behind.
 */
export function startManagerAround(use: (manager: SyncManager) => void): void {
  const children = trackChildProcesses();
  let manager: SyncManager;
  before(async () => {
    // The pool suites run their fixture module through manager.Pool: the server must allow it.
    manager = new SyncManager({ poolModules: [fixture('poolFunctions')] });
    await manager.start();
    use(manager);
  });
  after(async () => {
    await manager.shutdown();
    await children.expectNoneLeft();
  });
}
