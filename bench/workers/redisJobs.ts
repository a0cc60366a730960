// The Redis client jobs: a RedisManager's dict and Queue, and the floor they are measured against,
// the same HSET/HGET sent with the bare ioredis client (auto-pipelining on, as RedisManager's is).
// Common params: url, and the TimedParams of timing.ts.
import { Redis } from 'ioredis';
import { RedisManager } from '../../lib/index.js';
import { encode } from '@msgpack/msgpack';
import { epochMs, pipelined, sleepUntil, timed, type Rate, type TimedParams } from './timing.js';

interface RedisParams extends TimedParams {
  url: string;
}

async function withRedisManager<T>(p: RedisParams, use: (m: RedisManager) => Promise<T>): Promise<T> {
  const m = new RedisManager({ url: p.url });
  await m.connect();
  try {
    return await use(m);
  } finally {
    await m.close();
  }
}

async function withBare<T>(p: RedisParams, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(p.url, { enableAutoPipelining: true });
  try {
    return await use(r);
  } finally {
    r.disconnect();
  }
}

const KEY = Buffer.from(encode(`k${process.pid}`));
const VALUE = Buffer.from(encode(1));
const HASH = `bench:{bare-${process.pid}}`;

export const redisJobs = {
  async redis_dict_seq(p: RedisParams): Promise<Rate> {
    return withRedisManager(p, async (m) => {
      const d = await m.dict();
      const key = `k${process.pid}`;
      return timed(async () => {
        await d.set(key, 1);
        await d.get(key);
        return 2;
      }, p);
    });
  },

  async redis_dict_inflight(p: RedisParams & { depth: number }): Promise<Rate> {
    return withRedisManager(p, async (m) => {
      const d = await m.dict();
      const key = `k${process.pid}`;
      let turn = 0;
      return pipelined(p.depth, () => (turn++ & 1 ? d.get(key) : d.set(key, 1)), p);
    });
  },

  async ioredis_dict_seq(p: RedisParams): Promise<Rate> {
    return withBare(p, (r) =>
      timed(async () => {
        await r.hset(HASH, KEY, VALUE);
        await r.hgetBuffer(HASH, KEY);
        return 2;
      }, p),
    );
  },

  async ioredis_dict_inflight(p: RedisParams & { depth: number }): Promise<Rate> {
    return withBare(p, (r) => {
      let turn = 0;
      return pipelined(p.depth, () => (turn++ & 1 ? r.hgetBuffer(HASH, KEY) : r.hset(HASH, KEY, VALUE)), p);
    });
  },

  /** One side of the Redis queue job: a named Queue, `depth` calls in flight; resolves the finish time. */
  async redis_queue_role(p: RedisParams & { name: string; role: 'producer' | 'consumer'; count: number; depth: number }): Promise<{ finishedAt: number }> {
    return withRedisManager(p, async (m) => {
      const q = await m.named(p.name).Queue<number>();
      await sleepUntil(p.startAt);
      let issued = 0;
      const lane = async (): Promise<void> => {
        while (issued < p.count) {
          const item = issued++;
          if (p.role === 'producer') await q.put(item);
          else await q.get();
        }
      };
      await Promise.all(Array.from({ length: Math.min(p.depth, p.count) }, lane));
      return { finishedAt: epochMs() };
    });
  },
};
