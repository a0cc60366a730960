// Runs CPython 3.12 scripts for the interop tests. A missing interpreter fails the test (no skip).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const PYTHON312 = path.join(os.homedir(), '.pyenv/versions/3.12.1/bin/python3');

export interface PythonRun {
  /** The next line the script prints (scripts print with flush=True). */
  nextLine(): Promise<string>;
  /** Resolves with the exit code and everything written to stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

export function runPython(script: string, args: string[] = []): PythonRun {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON312, ['-c', script, ...args]);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    partial += text;
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.once('error', reject); // e.g. ENOENT: python3.12 is missing
    child.once('close', (code) => resolve({ code, stderr }));
  });
  return {
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push(resolve)),
        exited.then(({ code, stderr: err }) => {
          throw new Error(`python exited (${code}) before printing a line: ${err}`);
        }),
      ]);
    },
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
