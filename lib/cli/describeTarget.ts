// What `inspect` and `dashboard` share: the server to describe (--address / --socket), its authkey
// (--authkey-file or MPMANAGERS_AUTHKEY, both hex; never argv, where `ps` shows it), connecting,
// and the one-line reason printed when that fails. Kept small and local to these two commands; the
// package command's own helpers (lib/cli/usage.ts, authkey.ts) may replace it when both have landed.
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Address } from '../connection/address.js';
import { BaseManager } from '../manager/baseManager.js';
import { AUTHKEY_ENV } from '../manager/authkey.js';
import { AuthenticationError } from '../errors.js';

/** A mistake in the command line: one line for the user, exit code 2. */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

export const TARGET_FLAGS = {
  address: { type: 'string' },
  socket: { type: 'string' },
  'authkey-file': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TARGET_HELP = `  --address host:port   the server's TCP address
  --socket path         the server's Unix socket
  --authkey-file FILE   the authkey in hex; else the environment variable ${AUTHKEY_ENV} (hex).
                        Never on the command line, where other users could read it.
  --timeout S           seconds to connect and authenticate (default 5)`;

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing (no positionals): an unknown flag or a missing value is a CommandLineError. */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CommandLineError((error as Error).message.split('. To specify')[0]);
  }
}

/** A number flag: undefined when absent; CommandLineError unless a finite number >= min. */
export function numberFlag(name: string, text: string | undefined, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) throw new CommandLineError(`--${name} must be a number >= ${min}, not '${text}'`);
  return value;
}

export interface Target {
  address: Address;
  authkey: Uint8Array;
  timeout: number;
}

export async function targetFrom(flags: { address?: string; socket?: string; 'authkey-file'?: string; timeout?: string }): Promise<Target> {
  return { address: addressFrom(flags), authkey: await authkeyFrom(flags['authkey-file']), timeout: numberFlag('timeout', flags.timeout, 0.001) ?? 5 };
}

/**
 * A connected client manager (it only makes control calls). Rejects as BaseManager.connect does.
 * `reconnect`: after the connection is lost, each later call tries once to connect again (a
 * dashboard comes back by itself when its server does).
 */
export async function connectTo(target: Target, reconnect = false): Promise<BaseManager> {
  const manager = new BaseManager({
    address: target.address,
    authkey: target.authkey,
    handshakeTimeout: target.timeout,
    reconnect: reconnect ? { maxAttempts: 1 } : false,
  });
  try {
    await manager.connect();
  } catch (error) {
    await manager.close();
    throw error;
  }
  return manager;
}

/** Why connecting or describing failed, in one line. */
export function failureReason(error: unknown): string {
  if (error instanceof AuthenticationError) return `authentication failed (wrong authkey?)`;
  const { code, name, message } = error as NodeJS.ErrnoException;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return 'connection refused (is the server running?)';
  if (code === 'ENOENT' || /ENOENT/.test(message)) return 'no such socket (is the server running?)';
  return `${name}: ${String(message).split('\n')[0]}`;
}

function addressFrom(flags: { address?: string; socket?: string }): Address {
  if (flags.address !== undefined && flags.socket !== undefined) throw new CommandLineError('give --address or --socket, not both');
  if (flags.socket !== undefined) return flags.socket;
  if (flags.address === undefined) throw new CommandLineError('--address host:port or --socket path is required');
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(flags.address);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) throw new CommandLineError(`bad address '${flags.address}': expected host:port`);
  return [match[1] ?? match[2], port];
}

async function authkeyFrom(file: string | undefined): Promise<Uint8Array> {
  let text: string | undefined;
  let source: string;
  if (file !== undefined) {
    source = `the authkey file ${file}`;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CommandLineError(`cannot read ${source}: ${(error as Error).message}`);
    }
  } else {
    source = AUTHKEY_ENV;
    text = process.env[AUTHKEY_ENV];
    if (text === undefined) throw new CommandLineError(`no authkey: give --authkey-file FILE or set ${AUTHKEY_ENV} (hex)`);
  }
  const hex = text.trim();
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) throw new CommandLineError(`${source} must hold the authkey as hex digits`);
  return Buffer.from(hex, 'hex');
}
