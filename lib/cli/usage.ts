// What every command shares: parsing its arguments with Node's util.parseArgs, and the usage errors
// (a bad flag, address, number or file) that main.ts prints as one line, exiting 2, without a stack.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Address } from '../connection/address.js';

/** A mistake in the command line or in what it names: one line for the user, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
/** The values parseArgs gives for `options`, typed flag by flag. */
export type Flags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/** The flags of `args` (no positionals), strictly: an unknown flag or a missing value is a UsageError. */
export function parseFlags<O extends Options>(args: string[], options: O): Flags<O> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // parseArgs's messages already name the flag; drop its hint about positionals' `--`.
    throw new UsageError((error as Error).message.split('. To specify')[0]);
  }
}

/** `host:port` (`[::1]:port` for IPv6): port 0 picks a free one. */
export function parseAddress(text: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`bad address '${text}': expected host:port (port 0 to 65535), or [ipv6]:port`);
  }
  return [match[1] ?? match[2], port];
}

/** The address from `--address host:port` or `--socket path` (exactly one of them, or `fallback`). */
export function addressFrom(values: { address?: string; socket?: string }, fallback?: Address): Address {
  if (values.address !== undefined && values.socket !== undefined) throw new UsageError('give --address or --socket, not both');
  if (values.socket !== undefined) {
    if (values.socket === '') throw new UsageError('--socket needs a path');
    return values.socket;
  }
  if (values.address !== undefined) return parseAddress(values.address);
  if (fallback === undefined) throw new UsageError('--address host:port or --socket path is required');
  return fallback;
}

/** An address as the commands print it and parse it back: `host:port`, `[ipv6]:port`, or the socket path. */
export function showAddress(address: Address): string {
  if (typeof address === 'string') return address;
  const [host, port] = address;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A number flag's value: undefined when absent; a UsageError unless a number ≥ `min` (and an integer if asked). */
export function numberFlag(name: string, text: string | undefined, { min = 0, integer = false } = {}): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, not '${text}'`);
  }
  return value;
}

/** A limit flag: a number, or `none` for no limit (null). */
export function limitFlag(name: string, text: string | undefined, integer: boolean): number | null | undefined {
  if (text === 'none') return null;
  return numberFlag(name, text, { min: integer ? 1 : 0, integer });
}

/** The message of a file-system error, without the stack: "ENOENT: no such file or directory". */
export function fsReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return message;
}
