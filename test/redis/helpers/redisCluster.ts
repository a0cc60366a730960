// A local Redis Cluster for the tests: six redis-servers (three masters, three replicas) on free
// ports in temporary folders, joined with `redis-cli --cluster create`, with a short node timeout so
// that a killed master's replica is promoted within a few seconds.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisManager, type RedisManagerOptions } from '../../../lib/index.js';
import { RedisServer } from './redisServer.js';

const run = promisify(execFile);

// The library's own (lib/redis/slot.ts, what replicaAcks routes WAIT by); test/redis/migration.test.ts
// checks it against Redis's CLUSTER KEYSLOT.
export { keySlot } from '../../../lib/redis/slot.js';

export class RedisCluster {
  private constructor(readonly servers: RedisServer[]) {}

  static async start(): Promise<RedisCluster> {
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000', '--repl-diskless-sync-delay', '0'];
    const servers = await Promise.all(Array.from({ length: 6 }, () => RedisServer.start(args)));
    const cluster = new RedisCluster(servers);
    try {
      await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await cluster.waitUntilOk();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get nodes(): { host: string; port: number }[] {
    return this.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  async cli(port: number, ...args: string[]): Promise<string> {
    return (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  }

  /** Until every live node reports cluster_state:ok, and every replica is in sync with its master. */
  async waitUntilOk(seconds = 20): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const states = await Promise.all(this.live().map((s) => this.cli(s.port, 'cluster', 'info').catch(() => '')));
      const replication = await Promise.all(this.live().map((s) => this.cli(s.port, 'info', 'replication').catch(() => '')));
      const synced = replication.every((info) => info.includes('role:master') || info.includes('master_link_status:up'));
      if (synced && states.every((info) => info.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The server that is master for `key`'s slot now. */
  async masterOf(key: string): Promise<RedisServer> {
    const any = this.live()[0];
    const slot = Number((await this.cli(any.port, 'cluster', 'keyslot', key)).trim());
    for (const line of (await this.cli(any.port, 'cluster', 'nodes')).split('\n')) {
      const fields = line.split(' ');
      if (!fields[2]?.includes('master') || fields[2].includes('fail')) continue;
      const port = Number(fields[1].split('@')[0].split(':')[1]);
      for (const range of fields.slice(8)) {
        const [lo, hi] = range.split('-').map(Number);
        if (slot >= lo && slot <= (hi ?? lo)) return this.servers.find((s) => s.port === port)!;
      }
    }
    throw new Error(`no master for slot ${slot}`);
  }

  /** A master's node id (CLUSTER MYID). */
  async idOf(server: RedisServer): Promise<string> {
    return (await this.cli(server.port, 'cluster', 'myid')).trim();
  }

  /** The live masters. */
  async masters(): Promise<RedisServer[]> {
    const out: RedisServer[] = [];
    for (const s of this.live()) if ((await this.cli(s.port, 'role')).startsWith('master')) out.push(s);
    return out;
  }

  /**
   * The first step of moving `slot` from `from` to `to`, as `redis-cli --cluster reshard` takes it:
   * the target IMPORTING, then the source MIGRATING. Then migrateKeys() in batches, then endMigration().
   */
  async beginMigration(slot: number, from: RedisServer, to: RedisServer): Promise<void> {
    const [fromId, toId] = await Promise.all([this.idOf(from), this.idOf(to)]);
    await this.cli(to.port, 'cluster', 'setslot', String(slot), 'importing', fromId);
    await this.cli(from.port, 'cluster', 'setslot', String(slot), 'migrating', toId);
  }

  /** Moves up to `count` of the slot's keys (CLUSTER GETKEYSINSLOT, one MIGRATE ... KEYS); how many it moved. */
  async migrateKeys(slot: number, from: RedisServer, to: RedisServer, count: number): Promise<number> {
    const keys = (await this.cli(from.port, 'cluster', 'getkeysinslot', String(slot), String(count))).split('\n').filter((k) => k !== '');
    if (keys.length === 0) return 0;
    const reply = await this.cli(from.port, 'migrate', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys);
    if (reply.trim() !== 'OK') throw new Error(`MIGRATE failed: ${reply}`);
    return keys.length;
  }

  /** The last step: every master learns that `to` owns the slot (the target first, as redis-cli does). */
  async endMigration(slot: number, to: RedisServer): Promise<void> {
    const toId = await this.idOf(to);
    const others = (await this.masters()).filter((s) => s !== to);
    for (const s of [to, ...others]) await this.cli(s.port, 'cluster', 'setslot', String(slot), 'node', toId);
  }

  private dead = new Set<RedisServer>();

  async kill(server: RedisServer): Promise<void> {
    this.dead.add(server);
    await server.kill();
  }

  /** Starts a killed server again on its port and folder: it rejoins the Cluster (a former master as a replica of its successor). */
  async restart(server: RedisServer): Promise<void> {
    await server.launch();
    this.dead.delete(server);
  }

  /** The replicas of a master (ROLE's list), as servers of this cluster. */
  async replicasOf(master: RedisServer): Promise<RedisServer[]> {
    const lines = (await this.cli(master.port, 'role')).split('\n').map((l) => l.trim());
    return this.servers.filter((s) => s !== master && lines.includes(String(s.port)));
  }

  live(): RedisServer[] {
    return this.servers.filter((s) => !this.dead.has(s));
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** What clusterSuite() gives a suite: set in its `before` hook. */
export interface ClusterSuite {
  cluster: RedisCluster;
  a: RedisManager;
  b: RedisManager;
}

/**
 * Registers the suite's hooks: before, a fresh Cluster and two connected RedisManagers on it (`a`
 * with `optionsA`, `b` with `optionsB`); after, both closed and the Cluster stopped.
 */
export function clusterSuite(optionsA: Omit<RedisManagerOptions, 'cluster'>, optionsB = optionsA): ClusterSuite {
  const suite = {} as ClusterSuite;
  before(async function () {
    this.timeout(60_000);
    suite.cluster = await RedisCluster.start();
    suite.a = new RedisManager({ cluster: suite.cluster.nodes, ...optionsA });
    suite.b = new RedisManager({ cluster: suite.cluster.nodes, ...optionsB });
    await suite.a.connect();
    await suite.b.connect();
  });
  after(async () => {
    await suite.a?.close();
    await suite.b?.close();
    await suite.cluster?.stop();
  });
  return suite;
}
