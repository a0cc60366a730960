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

/** Runs fixtures/<script> with `args`; killed after `timeoutMs`. */
export function runPythonScript(version: PythonVersion, script: string, args: string[], timeoutMs = 30_000): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonBinary(version), [path.join(FIXTURES, script), ...args], { cwd: FIXTURES });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
