// The commands' authkey: from `--authkey-file` or the environment (MPMANAGERS_AUTHKEY), never from
// argv, where any user of the machine could read it (ps, /proc/<pid>/cmdline). Both hold the key's
// bytes in hex: the form the library itself reads MPMANAGERS_AUTHKEY in (lib/manager/authkey.ts), so a
// Node client started with the same environment needs no authkey option at all.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AUTHKEY_ENV } from '../manager/authkey.js';
import { UsageError, fsReason } from './usage.js';

export const AUTHKEY_HELP = `The authkey is read from --authkey-file FILE, else from the environment variable
${AUTHKEY_ENV}, both holding the key's bytes in hex (as the library reads ${AUTHKEY_ENV}).
It is never taken from the command line.`;

/** The key named by `--authkey-file`, else by the environment; undefined when neither is there. */
export async function givenAuthkey(file: string | undefined): Promise<Uint8Array | undefined> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the authkey file ${file}: ${fsReason(error)}`);
    }
    return fromHex(text.trim(), `the authkey file ${file}`);
  }
  const env = process.env[AUTHKEY_ENV];
  return env === undefined ? undefined : fromHex(env.trim(), AUTHKEY_ENV);
}

/** A new random key in a new file (mode 0600, in a private temporary directory); resolves to both. */
export async function generatedAuthkey(): Promise<{ key: Uint8Array; file: string }> {
  const key = randomBytes(32);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mpmanagers-'));
  const file = path.join(dir, 'authkey');
  await writeFile(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, file };
}

function fromHex(text: string, source: string): Uint8Array {
  if (text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(text)) {
    throw new UsageError(`${source} must hold the authkey as hex digits (an even, non-zero number of them)`);
  }
  return Buffer.from(text, 'hex');
}
