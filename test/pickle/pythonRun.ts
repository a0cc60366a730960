// Runs a CPython script file (3.11, 3.12 or 3.13 from pyenv) to completion and collects its output.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type PythonVersion = '3.11' | '3.12' | '3.13';
const PATCH: Record<PythonVersion, string> = { '3.11': '3.11.7', '3.12': '3.12.1', '3.13': '3.13.0' };

export function pythonBinary(version: PythonVersion): string {
  return path.join(os.homedir(), '.pyenv/versions', PATCH[version], 'bin/python3');
}

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs fixtures/<script> with `args`. After `timeoutMs` its whole process group is killed (the
 * Python children it forked or spawned too: they hold its output pipes open), and the result says so.
 */
export function runPythonScript(version: PythonVersion, script: string, args: string[], timeoutMs = 120_000): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonBinary(version), [path.join(FIXTURES, script), ...args], { cwd: FIXTURES, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid); // any child it left behind
      resolve({ code, stdout, stderr });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

export interface PythonServer {
  port: number;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts fixtures/<script>, which prints its port on its first line and serves until killed. */
export function startPythonServer(version: PythonVersion, script: string, args: string[]): Promise<PythonServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonBinary(version), [path.join(FIXTURES, script), ...args], { cwd: FIXTURES, detached: true });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      resolve({
        port: Number(stdout.slice(0, newline)),
        stop: () => {
          killGroup(child.pid);
          return exited;
        },
      });
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`python server exited before printing its port: ${stderr}`)));
  });
}
