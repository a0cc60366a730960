// Opens the two ioredis clients a RedisManager uses: one for commands and scripts (auto-pipelined:
// concurrent calls share round trips), one for pub/sub (a subscribed connection can do nothing else).
import type { Redis, Cluster, RedisOptions } from 'ioredis';
import { formatAddress } from '../connection/address.js';
import type { RedisManagerOptions, Settings } from './options.js';

export interface Clients {
  client: Redis | Cluster;
  subscriber: Redis | Cluster;
  /** What proxies' tokens carry: the server (or cluster seeds) without credentials. */
  address: string;
}

export async function openClients(options: RedisManagerOptions, settings: Settings): Promise<Clients> {
  // Loaded here, not at the top: ioredis takes 50-100 ms to import, which every program importing
  // this package (and every child process whose module imports it) would pay without using Redis.
  const { Redis, Cluster } = await import('ioredis');
  const { url, cluster, clusterOptions, prefix: _p, lease: _l, recheckInterval: _r, callTimeout: _c, codec: _codec, replicaAcks: _ra, replicaAckTimeout: _rt, ...rest } = options;
  // The command client has no ioredis commandTimeout (a timer per command): RedisStore bounds each
  // call by callTimeout itself (deadlines.ts). The subscriber's few commands keep ioredis's.
  const redisOptions: RedisOptions = {
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    ...rest,
    lazyConnect: true,
  };
  let client: Redis | Cluster;
  let address: string;
  if (cluster !== undefined) {
    // A periodic slots refresh: after a failover, commands follow the promoted replica within a second or so.
    client = new Cluster(cluster, { enableAutoPipelining: true, slotsRefreshInterval: 1000, retryDelayOnTryAgain: 0, ...clusterOptions, lazyConnect: true, redisOptions });
    address = `redis-cluster://${cluster.map((n) => (typeof n === 'object' ? `${n.host ?? '127.0.0.1'}:${n.port ?? 6379}` : String(n))).join(',')}`;
  } else {
    client = url === undefined ? new Redis(redisOptions) : new Redis(url, redisOptions);
    const o = (client).options;
    address = o.path ? `redis+unix://${o.path}` : `redis://${formatAddress([o.host ?? '127.0.0.1', o.port ?? 6379])}/${o.db ?? 0}`;
  }
  const timeout = settings.callTimeoutMs > 0 ? { commandTimeout: settings.callTimeoutMs } : {};
  const subscriber: Redis | Cluster = client instanceof Cluster ? client.duplicate([], { redisOptions: timeout }) : client.duplicate(timeout);
  try {
    await Promise.all([client.connect(), subscriber.connect()]);
  } catch (error) {
    client.disconnect();
    subscriber.disconnect();
    throw error;
  }
  return { client, subscriber, address };
}
