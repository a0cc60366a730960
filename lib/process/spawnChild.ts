// Starting a child Node process for this library (a manager server or a Process): the same Node
// binary and loader flags as this process (so TypeScript runs under tsx or ts-node alike), an IPC
// channel with structured-clone serialization for the start message, and the process authkey in the
// environment — never on a command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTHKEY_ENV } from '../manager/authkey.js';

/** The child entry scripts of this folder. */
export type ChildEntry = 'managerChild' | 'processChild';

/**
 * Spawns `node <loader flags> <entry>`; stdout and stderr are shared with this process. `socketPairs`:
 * that many more stdio slots (fds 4, 5...), each a socket pair between the two (for Pipe ends).
 */
export function spawnChild(entry: ChildEntry, processAuthkey: Uint8Array, socketPairs = 0): ChildProcess {
  return spawn(process.execPath, [...childExecArgv(process.execArgv), entryPath(entry)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...new Array<'pipe'>(socketPairs).fill('pipe')],
    serialization: 'advanced',
    env: { ...process.env, [AUTHKEY_ENV]: Buffer.from(processAuthkey).toString('hex') },
  });
}

/** Python's exit code: the process's own code, or minus the number of the signal that ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal === null ? 1 : -(constants.signals[signal] ?? 1);
}

// Flags that would make the child run other code (--eval), wait for a debugger on a port the parent
// holds (--inspect), or restart itself (--watch). The value-taking ones consume the next argument
// unless written `--flag=value`.
const DROPPED_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--inspect-port', '--debug-port', '--watch-path']);
const DROPPED = /^(-i|--interactive|--test|--watch|--watch-preserve-output|--inspect(-brk|-wait)?|--debug-port|--inspect-port|--watch-path|--eval|--print)(=.*)?$/;

/** The parent's Node flags minus those a child must not repeat. */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    if (DROPPED_WITH_VALUE.has(flag)) i++;
    else if (!DROPPED.test(flag)) kept.push(flag);
  }
  return kept;
}

/** A sibling script of this file, with this file's extension (.ts from source, .js once compiled). */
function entryPath(entry: ChildEntry): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), entry + path.extname(here));
}
