// Starting a child Node process for this library (a manager server or a Process): the same Node
// binary and flags as this process, an IPC channel with structured-clone serialization for the
// start message, and the process authkey in the environment — never on a command line.
// TypeScript loader flags (tsx, ts-node...) are carried only where the child needs them: when this
// library runs from its TypeScript sources, or a module the child imports is not JavaScript. A child
// of the built package importing only JavaScript starts without them, hundreds of ms sooner.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AUTHKEY_ENV } from '../manager/authkey.js';

/** The child entry scripts of this folder. */
export type ChildEntry = 'managerChild' | 'processChild';

/**
 * Spawns `node <flags> <entry>`; stdout and stderr are shared with this process. `modules`: the file
 * URLs of the user's modules the child will import (they decide whether it needs a TypeScript loader).
 * `socketPairs`: that many more stdio slots (fds 4, 5...), each a socket pair between the two (for Pipe ends).
 */
export function spawnChild(entry: ChildEntry, processAuthkey: Uint8Array, modules: readonly string[] = [], socketPairs = 0): ChildProcess {
  const script = entryPath(entry);
  const keepLoaders = needsLoader([pathToFileURL(script).href, ...modules]);
  return spawn(process.execPath, [...childExecArgv(process.execArgv, keepLoaders), script], {
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

// Flags that load code before the entry script, and the TypeScript loaders among what they load.
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
const TS_LOADER = /^(tsx|ts-node|@swc-node\/register|esbuild-register|@esbuild-kit\/[\w-]+)(\/.*)?$/;

/**
 * The parent's Node flags minus those a child must not repeat; minus the TypeScript loaders too
 * unless `keepLoaders` (other preloads, such as a tracer's `--require`, are always kept).
 */
export function childExecArgv(execArgv: readonly string[], keepLoaders = true): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    if (DROPPED_WITH_VALUE.has(flag)) i++;
    else if (!keepLoaders && LOADER_FLAGS.has(flag) && TS_LOADER.test(execArgv[i + 1] ?? '')) i++;
    else if (!keepLoaders && isTsLoaderAssignment(flag)) continue;
    else if (!DROPPED.test(flag)) kept.push(flag);
  }
  return kept;
}

/** `--import=tsx`, `--loader=ts-node/esm`... */
function isTsLoaderAssignment(flag: string): boolean {
  const equals = flag.indexOf('=');
  return equals > 0 && LOADER_FLAGS.has(flag.slice(0, equals)) && TS_LOADER.test(flag.slice(equals + 1));
}

/** True unless every one of `urls` is a JavaScript file that exists (`.js`, `.mjs`, `.cjs`). */
export function needsLoader(urls: readonly string[]): boolean {
  return !urls.every((url) => {
    if (!url.startsWith('file:')) return false;
    const file = fileURLToPath(url);
    return /\.[cm]?js$/.test(file) && existsSync(file);
  });
}

/** A sibling script of this file, with this file's extension (.ts from source, .js once compiled). */
function entryPath(entry: ChildEntry): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), entry + path.extname(here));
}
