// RedisManager against the same commands sent with the bare ioredis client (its floor) and against
// our TCP manager, on one redis-server the runner starts: dict set/get sequential and 64 in flight
// from one client, and a Queue between 4 producer and 4 consumer processes (vs CPython's manager).
// Series: `mpmanagers` is RedisManager, `floor` the bare client; the TCP manager's figure is a ratio.
import { randomUUID } from 'node:crypto';
import { epochMs } from '../workers/timing.js';
import { check, row } from '../harness/results.js';
import { benchRedis } from '../harness/redisServer.js';
import { rate, type Row } from './common.js';

const DEPTH = 64;
const PRODUCERS = 4;
const CONSUMERS = 4;

function dictRow(id: string, inflight: boolean): Row {
  return {
    id,
    async run(bench) {
      const redis = await benchRedis();
      const [client, mp] = await Promise.all([bench.nodeClient(), bench.server('mp', 'tcp')]);
      const { warmup, duration } = bench.options.sizes;
      const params = { url: redis.url, warmup, duration, depth: DEPTH };
      const job = inflight ? 'dict_inflight' : 'dict_seq';
      const values = await bench.rounds(bench.options.sizes.reps, {
        floor: () => rate(client.request(`ioredis_${job}`, params)),
        mpmanagers: () => rate(client.request(`redis_${job}`, params)),
        tcp: () => rate(client.request(job, bench.params(mp, { depth: DEPTH }))),
      });
      const work = `RedisManager dict set/get, ${inflight ? `${DEPTH} in flight` : 'sequential'} (floor: bare ioredis HSET/HGET)`;
      const result = row({ id, work, unit: 'calls/s', transport: 'tcp' }, { floor: values.floor, mpmanagers: values.mpmanagers }, (m) => {
        const vsFloor = m.mpmanagers! / m.floor!;
        const tcp = [...values.tcp].sort((a, b) => a - b)[values.tcp.length >> 1];
        return {
          ratios: { 'vs bare ioredis': vsFloor, 'vs TCP manager': m.mpmanagers! / tcp },
          checks: [check('≥ 0.8× the bare client', vsFloor, 0.8)],
        };
      });
      result.note = `TCP manager (same job): ${values.tcp.map((v) => Math.round(v)).join(', ')} calls/s`;
      return [result];
    },
  };
}

export const redisSequentialRow = dictRow('redis-seq', false);
export const redisInflightRow = dictRow('redis-inflight', true);

export const redisQueueRow: Row = {
  id: 'redis-queue',
  async run(bench) {
    const redis = await benchRedis();
    const items = Math.min(bench.options.sizes.queueItems, 50_000);
    const [nodeClients, py, pyServer] = await Promise.all([bench.nodeClients(PRODUCERS + CONSUMERS), bench.pyClient(), bench.server('py', 'tcp')]);
    const startDelay = 0.5;
    const redisManager = async (count: number): Promise<number> => {
      const startAt = epochMs() + startDelay * 1000;
      const name = `bench-${randomUUID()}`;
      const finished = await Promise.all(
        nodeClients.map((client, index) => {
          const producer = index < PRODUCERS;
          const [share, of] = producer ? [index, PRODUCERS] : [index - PRODUCERS, CONSUMERS];
          const params = { url: redis.url, name, role: producer ? 'producer' : 'consumer', count: split(count, of, share), depth: DEPTH, startAt, duration: 0 };
          return client.request<{ finishedAt: number }>('redis_queue_role', params);
        }),
      );
      return count / ((Math.max(...finished.map((f) => f.finishedAt)) - startAt) / 1000);
    };
    const cpython = async (count: number): Promise<number> => {
      const params = bench.params(pyServer, { producers: PRODUCERS, consumers: CONSUMERS, items: count, startDelay });
      return (await py.request<{ rate: number }>('queue', params)).rate;
    };
    await cpython(Math.min(items, 2_000));
    const values = await bench.rounds(bench.options.sizes.heavyReps, {
      mpmanagers: () => redisManager(items),
      cpython: () => cpython(items),
    });
    const work = `RedisManager Queue, ${PRODUCERS} producer + ${CONSUMERS} consumer processes, ${items.toLocaleString('en')} items`;
    return [
      row({ id: 'redis-queue', work, unit: 'items/s', transport: 'tcp' }, values, (m) => {
        const vsPython = m.mpmanagers! / m.cpython!;
        return { ratios: { 'vs CPython': vsPython }, checks: [check('> CPython', vsPython, 1)] };
      }),
    ];
  },
};

function split(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}
