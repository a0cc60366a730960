// What `inspect` and `dashboard` share: the server to describe (--address / --socket), its authkey
// (--authkey-file or MPMANAGERS_AUTHKEY, both hex; never argv, where `ps` shows it), connecting,
// and the one-line reason printed when that fails. Kept small and local to these two commands; the
// flags, the address and the key are parsed by the package command's own helpers (usage.ts, authkey.ts).
import type { Address } from '../connection/address.js';
import { BaseManager } from '../manager/baseManager.js';
import { AUTHKEY_ENV } from '../manager/authkey.js';
import { AuthenticationError } from '../errors.js';
import { givenAuthkey } from './authkey.js';
import { UsageError, addressFrom, numberFlag } from './usage.js';

/** A mistake in the command line (the commands' UsageError): one line for the user, exit code 2. */
export { UsageError as CommandLineError, parseFlags, numberFlag } from './usage.js';

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

export interface Target {
  address: Address;
  authkey: Uint8Array;
  timeout: number;
}

export async function targetFrom(flags: { address?: string; socket?: string; 'authkey-file'?: string; timeout?: string }): Promise<Target> {
  const address = addressFrom(flags);
  const authkey = await givenAuthkey(flags['authkey-file']);
  if (authkey === undefined) throw new UsageError(`no authkey: give --authkey-file FILE or set ${AUTHKEY_ENV} (hex)`);
  return { address, authkey, timeout: numberFlag('timeout', flags.timeout, { min: 0.001 }) ?? 5 };
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
