// What travels between a Pool and its worker threads: a task is a chunk of calls of one named export
// of the pool's module; the reply carries their values, or the first error (see errorTransfer.ts).
import { ValueError, TypeError as PyTypeError } from '../errors.js';
import type { ProxyCredentials } from './proxyCredentials.js';

export interface PoolTask {
  /** The export to call. */
  fn: string;
  /** One argument list per call (proxies replaced by descriptors). */
  calls: unknown[][];
  /** Whether `calls` holds proxy descriptors (the worker connects to managers only then). */
  hasProxies: boolean;
  /** How to connect to the servers of those proxies (their managers' authkeys and TLS options). */
  credentials?: ProxyCredentials[];
}

/** `worker`: the thread id of the worker that ran the task (maxtasksperchild counts by it). */
export type PoolReply = ({ values: unknown[] } | { error: unknown[] }) & { worker: number };

/** What every worker is started with (piscina's workerData). */
export interface PoolWorkerData {
  /** URL of poolWorker.(ts|js), which poolBootstrap loads. */
  workerModule: string;
  /** URL of proxyConnections.(ts|js), loaded by a worker that is given proxies. */
  connectionsModule: string;
  /** URL of the module whose exports the tasks call. */
  module: string;
  initializer: { export: string; args: unknown[]; hasProxies: boolean; credentials: ProxyCredentials[] } | undefined;
  /** Authkey for the manager connections of proxies among the args. */
  authkey: Uint8Array;
}

/** A worker posts this once its initializer has run (or failed). */
export const WORKER_INITIALIZED = 'mpmanagers:pool-worker-initialized';

/** Python's Pool.map default: about four chunks per worker. */
export function defaultChunksize(itemCount: number, processes: number): number {
  const chunksize = Math.floor(itemCount / (processes * 4));
  return itemCount % (processes * 4) === 0 ? Math.max(chunksize, 1) : chunksize + 1;
}

/** Splits `calls` into chunks of `chunksize` (validated: an integer of at least 1, or null for the default). */
export function chunksOf(calls: unknown[][], chunksize: number | null | undefined, processes: number): unknown[][][] {
  const size = chunksize === null || chunksize === undefined ? defaultChunksize(calls.length, processes) : chunksize;
  if (!Number.isInteger(size) || size < 1) throw new ValueError(`chunksize must be an integer of at least 1, not ${String(chunksize)}`);
  const chunks: unknown[][][] = [];
  for (let i = 0; i < calls.length; i += size) chunks.push(calls.slice(i, i + size));
  return chunks;
}

/** Each item as the one argument of a call (map), or as the argument list (starmap). */
export function callsOf(items: Iterable<unknown>, star: boolean): unknown[][] {
  if (items === null || items === undefined || typeof (items)[Symbol.iterator] !== 'function') {
    throw new PyTypeError('items must be iterable');
  }
  const calls: unknown[][] = [];
  for (const item of items) {
    if (!star) calls.push([item]);
    else if (item !== null && typeof item === 'object' && Symbol.iterator in item) calls.push([...(item as Iterable<unknown>)]);
    else throw new PyTypeError(`starmap items must be argument lists, not ${typeof item}`);
  }
  return calls;
}
