// RedisManager's options: ours, plus every option of the client library (ioredis), passed through.
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import type { CodecOptions } from '../codec/codec.js';

export interface RedisManagerOptions extends RedisOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default: ioredis's (127.0.0.1:6379). */
  url?: string;
  /** A Redis Cluster's seed nodes, `[{ host, port }, ...]`: the manager then uses ioredis's Cluster mode. */
  cluster?: ClusterNode[];
  /** ioredis Cluster options (the connection options above go to each node as `redisOptions`). */
  clusterOptions?: ClusterOptions;
  /** First part of every key and channel this manager uses. Default 'mp'. */
  prefix?: string;
  /** Seconds a reference, lock, semaphore unit or in-flight item outlives a holder that stopped renewing it. Default 10. */
  lease?: number;
  /** Seconds between re-checks of a blocked call when no notification arrives. Default lease / 2. */
  recheckInterval?: number;
  /** Seconds a command may wait for Redis (down, failing over) before rejecting ConnectionClosedError; 0: no limit. Default 10. */
  callTimeout?: number;
  /**
   * Replicas that must acknowledge a write that hands something over (Queue/JoinableQueue `put`,
   * `put_nowait`, `task_done`) before the call resolves: Redis's `WAIT` on the master that ran it,
   * over a connection of its own (replicaAcks.ts). Fewer within `replicaAckTimeout`: the call rejects
   * ReplicaAckError, and the write may still have happened. Default 0: no WAIT (replication stays
   * asynchronous: a write acknowledged just before a master dies can be lost).
   */
  replicaAcks?: number;
  /** Seconds a write waits for `replicaAcks` replicas (WAIT's timeout), when replicaAcks > 0. Default 1. */
  replicaAckTimeout?: number;
  /** msgpack decode limits for values read from Redis. */
  codec?: CodecOptions;
}

export interface Settings {
  prefix: string;
  leaseMs: number;
  recheckMs: number;
  callTimeoutMs: number;
  replicaAcks: number;
  replicaAckTimeoutMs: number;
}

export function settingsOf(options: RedisManagerOptions): Settings {
  const lease = options.lease ?? 10;
  return {
    prefix: options.prefix ?? 'mp',
    leaseMs: Math.round(lease * 1000),
    recheckMs: Math.round((options.recheckInterval ?? lease / 2) * 1000),
    callTimeoutMs: Math.round((options.callTimeout ?? 10) * 1000),
    replicaAcks: Math.max(0, Math.floor(options.replicaAcks ?? 0)),
    // WAIT's timeout 0 means forever: at least 1 ms.
    replicaAckTimeoutMs: Math.max(1, Math.round((options.replicaAckTimeout ?? 1) * 1000)),
  };
}

/** The options with functions (retryStrategy...) left out: what a child process is sent. */
export function cloneableOptions(options: RedisManagerOptions): RedisManagerOptions {
  return strip(options) as RedisManagerOptions;
}

function strip(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const s = strip(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}
