// RedisManager on a real 3-master Redis Cluster (ioredis's Cluster mode follows MOVED/ASK): the
// shared program runs unchanged across slots, and a queue in use survives its master being killed
// and its replica promoted: every item put is consumed, duplicates only within the documented
// at-least-once window (a put retried after a failure it did not see succeed).
import { expect } from 'chai';
import { ConnectionClosedError, RedisManager } from '../../lib/index.js';
import { clusterSuite, type RedisCluster } from './helpers/redisCluster.js';
import { PROGRAM } from './helpers/program.js';

describe('redis/cluster (3 masters, 3 replicas)', function () {
  this.timeout(60_000);
  const suite = clusterSuite({ lease: 5, callTimeout: 5 });
  let cluster: RedisCluster;
  let a: RedisManager;
  let b: RedisManager;
  before(() => ({ cluster, a, b } = suite));

  for (const [title, body] of Object.entries(PROGRAM)) {
    it(`the shared program: ${title}`, () => body(a, b));
  }

  it('objects land on different masters (the keys of one object share a slot)', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, async () => (await a.dict({ k: 1 }))._token.id));
    const masters = new Set(await Promise.all(ids.map(async (id) => (await cluster.masterOf(`mp:{${id}}:m`)).port)));
    expect(masters.size).to.be.greaterThan(1);
  });

  it('a queue in use loses nothing when its master is killed and its replica promoted', async () => {
    const q = await a.named('failover').Queue<number>();
    const qB = await b.named('failover').Queue<number>();
    const total = 60;
    const got: number[] = [];
    let producing = true;
    const consumer = (async () => {
      while (got.length < total || producing) {
        try {
          got.push(await qB.get(true, 1));
          if (new Set(got).size >= total) return;
        } catch (error) {
          if (!(error instanceof ConnectionClosedError) && (error as Error).name !== 'Empty') throw error;
        }
      }
    })();
    for (let i = 0; i < total; i++) {
      if (i === total / 3) await cluster.kill(await cluster.masterOf('mp:{Queue:=failover}:d'));
      for (;;) {
        try {
          await q.put(i);
          break;
        } catch (error) {
          if (!(error instanceof ConnectionClosedError)) throw error;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    producing = false;
    await consumer;
    expect(new Set(got).size).to.equal(total);
  });
});
