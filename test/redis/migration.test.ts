// A Redis Cluster slot migrated between masters while RedisManagers use objects in it, step by step
// as `redis-cli --cluster reshard` does it (the target IMPORTING, the source MIGRATING, MIGRATE of
// the slot's keys in batches, then CLUSTER SETSLOT NODE on every master). Meanwhile Redis refuses a
// script whose keys are not all on the node it reaches (ASK, TRYAGAIN) before it runs: such calls
// wait for the migration to end, within callTimeout; single-key commands follow ASK and go on.
import { expect } from 'chai';
import { ConnectionClosedError, RedisManager } from '../../lib/index.js';
import { clusterSuite, keySlot, type RedisCluster } from './helpers/redisCluster.js';
import type { RedisServer } from './helpers/redisServer.js';
import { rejectionOf } from '../helpers/assertions.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A name `<stem><n>` whose object `<typeid>:=<name>` hashes to `slot`: several objects in one slot. */
function nameInSlot(typeid: string, stem: string, slot: number): string {
  for (let n = 0; ; n++) if (keySlot(`{${typeid}:=${stem}${n}}`) === slot) return `${stem}${n}`;
}

describe('redis/migration (a Cluster slot moved between masters while in use)', function () {
  this.timeout(60_000);
  // Scripts on the slot's objects wait for the migration's end, and their leases are not renewed
  // meanwhile: lease and callTimeout well above what the migration lasts (seconds, more under load).
  const suite = clusterSuite({ lease: 20, callTimeout: 20 });
  let cluster: RedisCluster;
  let a: RedisManager;
  let b: RedisManager;
  before(() => ({ cluster, a, b } = suite));

  /** The master serving `key`'s slot now, and another master to move the slot to. */
  async function ends(key: string): Promise<{ from: RedisServer; to: RedisServer }> {
    const from = await cluster.masterOf(key);
    const to = (await cluster.masters()).find((s) => s !== from)!;
    return { from, to };
  }

  async function keysIn(server: RedisServer, slot: number): Promise<number> {
    return Number((await cluster.cli(server.port, 'cluster', 'countkeysinslot', String(slot))).trim());
  }

  it('every call completes while the slot of a dict, a queue and a lock is migrated key by key', async () => {
    const slot = keySlot('{dict:=mig}');
    expect(Number((await cluster.cli(cluster.nodes[0].port, 'cluster', 'keyslot', 'mp:{dict:=mig}:m')).trim())).to.equal(slot);
    const qName = nameInSlot('Queue', 'mig-q', slot);
    const lName = nameInSlot('Lock', 'mig-l', slot);
    const [dA, dB] = await Promise.all([a.named('mig').dict(), b.named('mig').dict()]);
    const [qA, qB] = await Promise.all([a.named(qName).Queue<number>(), b.named(qName).Queue<number>()]);
    const [lA, lB] = await Promise.all([a.named(lName).Lock(), b.named(lName).Lock()]);
    await dA.set('count', 0);
    await qA.put(-1);
    const { from, to } = await ends('mp:{dict:=mig}:m');
    expect(await keysIn(from, slot)).to.be.greaterThan(5);

    let migrating = true;
    let during = 0;
    const note = (): void => {
      if (migrating) during++;
    };
    let produced = 0;
    let producing = true;
    const producer = async (): Promise<void> => {
      try {
        for (let after = 0; migrating || after < 5; produced++) {
          await qA.put(produced);
          note();
          if (!migrating) after++;
          await sleep(5);
        }
      } finally {
        producing = false;
      }
    };
    const got: number[] = [];
    const consumer = async (): Promise<void> => {
      while (producing || got.length < produced + 1) {
        try {
          got.push(await qB.get(true, 2));
          note();
        } catch (error) {
          if ((error as Error).name !== 'Empty') throw error;
          if (!producing) return; // an item lost: the assertion below says which
        }
      }
    };
    const written = { a: 0, b: 0 };
    const writer = async (side: 'a' | 'b', mine: typeof dA, other: typeof dA): Promise<void> => {
      for (let after = 0; migrating || after < 5; written[side]++) {
        await mine.set(`${side}${written[side]}`, written[side]);
        expect(await other.get(`${side}${written[side]}`)).to.equal(written[side]);
        note();
        if (!migrating) after++;
      }
    };
    const held = { a: 0, b: 0 };
    const locker = async (side: 'a' | 'b', lock: typeof lA, d: typeof dA): Promise<void> => {
      for (let after = 0; migrating || after < 3; held[side]++) {
        expect(await lock.acquire(true, 15), `${side} acquires the lock`).to.equal(true);
        try {
          // Inside the lock: a read-modify-write that would lose increments without mutual exclusion.
          const n = (await d.get('count')) as number;
          await sleep(1);
          await d.set('count', n + 1);
        } finally {
          await lock.release();
        }
        note();
        if (!migrating) after++;
      }
    };
    const migration = (async () => {
      try {
        await sleep(100);
        await cluster.beginMigration(slot, from, to);
        // One key at a time, with calls in between: some hit the slot with the object split across nodes.
        while ((await cluster.migrateKeys(slot, from, to, 1)) > 0) await sleep(150);
        await sleep(200);
        await cluster.endMigration(slot, to);
      } finally {
        migrating = false;
      }
    })();
    // Every task runs to its end (the migration too) before the first failure is reported.
    const results = await Promise.allSettled([migration, producer(), consumer(), writer('a', dA, dB), writer('b', dB, dA), locker('a', lA, dA), locker('b', lB, dB)]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;

    expect(during).to.be.greaterThan(0);
    expect([...got].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: produced + 1 }, (_, i) => i - 1));
    const contents = await dB.copy();
    for (const side of ['a', 'b'] as const) {
      for (let i = 0; i < written[side]; i++) expect(contents.get(`${side}${i}`)).to.equal(i);
    }
    expect(contents.get('count')).to.equal(held.a + held.b);
    // The new master serves the slot; the old one holds none of its keys.
    expect(await keysIn(from, slot)).to.equal(0);
    expect(await keysIn(to, slot)).to.be.greaterThan(5);
    expect((await cluster.cli(to.port, 'exists', 'mp:{dict:=mig}:m', `mp:{Queue:=${qName}}:m`, `mp:{Lock:=${lName}}:m`)).trim()).to.equal('3');
    await qA.put(7);
    expect(await qB.get(true, 5)).to.equal(7);
    expect(await lB.acquire(false)).to.equal(true);
    await lB.release();
  });

  it('a migration left half done: scripted calls wait for its end, or reject ConnectionClosedError after callTimeout without having run', async () => {
    const slot = keySlot('{dict:=half}');
    const qName = nameInSlot('Queue', 'half-q', slot);
    const impatient = new RedisManager({ cluster: cluster.nodes, lease: 5, callTimeout: 1 });
    // Leases shorter than the migration lasts: the stalled renewal of its reference to the queue
    // must not hold back the renewal of its other objects.
    const brief = new RedisManager({ cluster: cluster.nodes, lease: 1 });
    await impatient.connect();
    await brief.connect();
    try {
      const d = await a.named('half').dict();
      const [qA, qB, qI] = await Promise.all([a.named(qName).Queue<number>(), b.named(qName).Queue<number>(), impatient.named(qName).Queue<number>()]);
      await brief.named(qName).Queue<number>();
      const elsewhere = await brief.list([1, 2]);
      for (let i = 0; i < 3; i++) await qA.put(i);
      for (let i = 0; i < 10; i++) await d.set(`k${i}`, i);
      const { from, to } = await ends('mp:{dict:=half}:m');
      await cluster.beginMigration(slot, from, to);
      expect(await cluster.migrateKeys(slot, from, to, 2)).to.equal(2);
      expect(await keysIn(from, slot)).to.be.greaterThan(0);

      // Plain single-key commands go on (ioredis follows ASK to the new master for moved keys).
      await d.set('k0', 'changed');
      expect(await d.get('k0')).to.equal('changed');
      // A scripted call waits while the migration is under way...
      let settled = false;
      const waiting = qA.put(3).finally(() => (settled = true));
      // ... and with a callTimeout shorter than the migration, rejects without having run.
      expect(await rejectionOf(qI.put(99))).to.be.instanceOf(ConnectionClosedError);
      await sleep(1500);
      expect(settled).to.equal(false);
      expect(await elsewhere.length()).to.equal(2);

      while ((await cluster.migrateKeys(slot, from, to, 10)) > 0);
      await cluster.endMigration(slot, to);
      await waiting;
      const items: number[] = [];
      while (!(await qB.empty())) items.push(await qB.get(true, 5));
      expect(items).to.deep.equal([0, 1, 2, 3]);
      expect((await d.copy()).get('k9')).to.equal(9);
    } finally {
      await impatient.close();
      await brief.close();
    }
  });

  it('a plain command refused by the slot (ioredis out of redirections) is sent again once the slot serves, or rejects after callTimeout without having run', async () => {
    const slot = keySlot('{dict:=stuck}');
    const impatient = new RedisManager({ cluster: cluster.nodes, lease: 20, callTimeout: 1 });
    await impatient.connect();
    try {
      const d = await a.named('stuck').dict();
      const dI = await impatient.named('stuck').dict();
      await d.set('before', 1);
      const { from, to } = await ends('mp:{dict:=stuck}:m');
      // Every key of the slot moved to `to`, then `to` told to stop importing it: the source answers
      // ASK (the key is not there), the target MOVED back to the source (not importing), and ioredis
      // gives up after its maxRedirections with "Too many Cluster redirections" — for a plain HSET.
      await cluster.beginMigration(slot, from, to);
      while ((await cluster.migrateKeys(slot, from, to, 10)) > 0);
      await cluster.cli(to.port, 'cluster', 'setslot', String(slot), 'stable');
      let settled = false;
      const patient = d.set('during', 2).finally(() => (settled = true));
      expect(await rejectionOf(dI.set('impatient', 3))).to.be.instanceOf(ConnectionClosedError);
      await sleep(1500);
      expect(settled).to.equal(false);
      // The slot serves again (the target importing): the patient call goes through.
      await cluster.cli(to.port, 'cluster', 'setslot', String(slot), 'importing', await cluster.idOf(from));
      await patient;
      await cluster.endMigration(slot, to);
      const contents = await d.copy();
      expect(contents.get('during')).to.equal(2);
      expect(contents.get('before')).to.equal(1);
      // The impatient call was told it failed, so it never ran, not even once the slot served.
      expect(contents.has('impatient')).to.equal(false);
    } finally {
      await impatient.close();
    }
  });
});
