// replicaAcks: a Queue put (and task_done) resolves only once Redis's WAIT, on the master that ran
// it, says enough replicas have it; otherwise it rejects ReplicaAckError, the write possibly done.
// Real redis-servers: a single one without replicas, and a 3-master Cluster with a replica each
// whose master is killed (SIGKILL) while a queue is in use.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ConnectionClosedError, Full, RedisManager, ReplicaAckError } from '../../lib/index.js';
import { RedisServer } from './helpers/redisServer.js';
import { clusterSuite, type RedisCluster } from './helpers/redisCluster.js';

describe('redis/replicaAcks', function () {
  this.timeout(60_000);

  describe('a single server without replicas', () => {
    let server: RedisServer;
    let m: RedisManager;
    let plain: RedisManager;
    before(async () => {
      server = await RedisServer.start();
      m = new RedisManager({ url: server.url, replicaAcks: 1, replicaAckTimeout: 0.3, callTimeout: 5 });
      plain = new RedisManager({ url: server.url, callTimeout: 5 });
      await m.connect();
      await plain.connect();
    });
    after(async () => {
      await m?.close();
      await plain?.close();
      await server?.stop();
    });

    it('a put rejects ReplicaAckError after replicaAckTimeout, and the item was still put (at-least-once on a retry)', async () => {
      const q = await m.named('nobody-acks').Queue<string>(2);
      const started = Date.now();
      const error = await q.put('a').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ReplicaAckError);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect((error as ReplicaAckError).acked).to.equal(0);
      expect((error as ReplicaAckError).wanted).to.equal(1);
      expect((error as Error).message).to.match(/0 of 1 replicas acknowledged .*may still be replicated or lost/);
      expect(Date.now() - started).to.be.at.least(250);
      // The master has the item: the rejection says "not known to be on a replica", not "not written".
      const other = await plain.named('nobody-acks').Queue<string>(2);
      expect(await other.qsize()).to.equal(1);
      expect(await other.getNowait()).to.equal('a');
    });

    it('a put that writes nothing (a full queue) rejects Full, not ReplicaAckError', async () => {
      const q = await m.named('full').Queue<string>(1);
      await q.put('x').catch((e: unknown) => expect(e).to.be.instanceOf(ReplicaAckError));
      const error = await q.putNowait('y').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Full);
    });

    it('task_done waits for replicas too; other calls (get, qsize) do not', async () => {
      const q = await m.named('joinable').JoinableQueue<string>();
      const other = await plain.named('joinable').JoinableQueue<string>();
      await other.put('job');
      expect(await q.get(true, 1)).to.equal('job');
      const error = await q.taskDone().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ReplicaAckError);
      // It was applied on the master: join() returns.
      await other.join();
    });

    it('with replicaAcks 0 (the default) a put resolves without any replica', async () => {
      const q = await plain.named('default').Queue<string>();
      await q.put('z');
      expect(await q.qsize()).to.equal(1);
    });
  });

  describe('a Cluster (3 masters, 3 replicas)', () => {
    const suite = clusterSuite({ lease: 5, callTimeout: 5, replicaAcks: 1, replicaAckTimeout: 1 }, { lease: 5, callTimeout: 5 });
    let cluster: RedisCluster;
    let a: RedisManager;
    let b: RedisManager;
    before(() => ({ cluster, a, b } = suite));

    it("a resolved put is already on the master's replica; with the replica stopped, puts reject ReplicaAckError", async () => {
      const q = await a.named('acked').Queue<number>();
      const key = 'mp:{Queue:=acked}:d';
      const master = await cluster.masterOf(key);
      const [replica] = await cluster.replicasOf(master);
      expect(replica, 'the master has a replica').to.not.equal(undefined);
      const reader = new Redis({ port: replica.port, lazyConnect: true });
      try {
        await reader.connect();
        await reader.readonly();
        // 64 puts in flight share WAITs (one per batch); each resolved put is on the replica at once.
        await Promise.all(Array.from({ length: 64 }, (_, i) => q.put(i)));
        for (let i = 0; i < 5; i++) {
          await q.put(100 + i);
          expect(await reader.llen(key)).to.equal(64 + i + 1);
        }
        replica.pause(true);
        try {
          const error = await q.put(999).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).to.be.instanceOf(ReplicaAckError);
        } finally {
          replica.pause(false);
        }
        // The rejected put was written on the master; once resumed, the replica catches up.
        expect(await q.qsize()).to.equal(64 + 5 + 1);
        await q.put(1000);
        expect(await reader.llen(key)).to.equal(64 + 5 + 2);
      } finally {
        reader.disconnect();
      }
    });

    it('a queue in use whose master is killed: every item whose put resolved is consumed exactly once', async () => {
      const q = await a.named('acked-failover').Queue<string>();
      const qB = await b.named('acked-failover').Queue<string>();
      const key = 'mp:{Queue:=acked-failover}:d';
      const total = 60;
      const resolved: string[] = [];
      const rejected: string[] = [];
      const got: string[] = [];
      let producing = true;
      const consumer = (async () => {
        for (;;) {
          try {
            got.push(await qB.get(true, 1));
          } catch (error) {
            if ((error as Error).name === 'Empty' && !producing) return;
            if (!(error instanceof ConnectionClosedError) && (error as Error).name !== 'Empty') throw error;
          }
        }
      })();
      let killed: Awaited<ReturnType<RedisCluster['masterOf']>> | undefined;
      let restarted: Promise<void> | undefined;
      for (let i = 0; i < total; i++) {
        if (i === total / 3) {
          killed = await cluster.masterOf(key);
          await cluster.kill(killed);
          // Once its replica is promoted, the killed server comes back as the new master's replica
          // (without it the new master has none, and every acknowledged put would be refused).
          const dead = killed;
          restarted = (async () => {
            // masterOf() throws while the slot has no master (the replica not promoted yet).
            while ((await cluster.masterOf(key).catch(() => dead)) === dead) await new Promise((r) => setTimeout(r, 200));
            await cluster.restart(dead);
          })();
        }
        for (let attempt = 0; ; attempt++) {
          const item = `${i}.${attempt}`; // a retry puts a new value: a rejected put's item may be there too
          try {
            await q.put(item);
            resolved.push(item);
            break;
          } catch (error) {
            if (!(error instanceof ConnectionClosedError)) throw error;
            rejected.push(item);
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await restarted;
      producing = false;
      await consumer;
      expect(resolved).to.have.length(total);
      expect((await cluster.masterOf(key)).port, 'a replica was promoted').to.not.equal(killed!.port);
      const counts = new Map<string, number>();
      for (const item of got) counts.set(item, (counts.get(item) ?? 0) + 1);
      for (const item of resolved) expect(counts.get(item), `item ${item}`).to.equal(1);
      for (const item of counts.keys()) expect([...resolved, ...rejected]).to.include(item);
    });
  });
});
