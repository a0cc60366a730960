// The process authkey (CPython's `current_process().authkey`): 32 random bytes made once per
// process tree. A child started by this library inherits it through the environment variable below,
// never on a command line.
import { randomBytes } from 'node:crypto';

export const AUTHKEY_ENV = 'MPMANAGERS_AUTHKEY';

let processAuthkey: Uint8Array | undefined;

/** This process's default authkey: inherited from the parent if it started us, else random. */
export function defaultAuthkey(): Uint8Array {
  if (processAuthkey === undefined) {
    const inherited = process.env[AUTHKEY_ENV];
    processAuthkey = inherited !== undefined && /^[0-9a-f]+$/i.test(inherited) ? Buffer.from(inherited, 'hex') : randomBytes(32);
  }
  return processAuthkey;
}

/** A string authkey is UTF-8 encoded, as the API promises. */
export function toAuthkey(key: string | Uint8Array): Uint8Array {
  if (typeof key === 'string') return Buffer.from(key, 'utf8');
  if (key instanceof Uint8Array) return key;
  throw new TypeError('authkey must be a string or a Uint8Array');
}
