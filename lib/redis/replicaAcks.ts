// Writes that must survive a failover (options.replicaAcks > 0): the script runs on a connection of
// its own to the object's master, and resolves once `WAIT numreplicas timeout` on that same
// connection says enough replicas have it. Why these choices (docs/redis.md, "Replica
// acknowledgements"):
// - WAIT counts the replicas that reached the offset of the last write *of the connection it runs
//   on*: it must follow the script on the same connection (in a Cluster, a keyless WAIT sent
//   through the Cluster client goes to a random node; here it goes to the node instance the script
//   was sent on, and that instance does not follow redirections: a MOVED/ASK comes back as an error
//   and the script is sent again, before anything ran).
// - WAIT blocks its connection until it answers: on the manager's shared connection it would hold
//   back every other call (and for the whole timeout while replicas are down), hence a second
//   connection (per master, in a Cluster) for these writes only.
// - One WAIT covers every write sent before it on its connection: calls whose script has answered
//   share the next WAIT (group commit), so 64 puts in flight cost a few WAITs, not 64 in a row.
import type { Redis, Cluster } from 'ioredis';
import { ConnectionClosedError, ReplicaAckError } from '../errors.js';
import { keySlot } from './slot.js';

/** ioredis Cluster internals used to reach the master of a slot through one node connection. */
interface ClusterInternals {
  slots: string[][];
  connectionPool: { getInstanceByKey(key: string): Redis | undefined };
  refreshSlotsCache(): void;
}

const REFRESH_MS = 100;

export class ReplicaAcks {
  /** Per connection: the WAIT that the calls whose script has answered will share, until it is sent. */
  private readonly next = new Map<Redis, Promise<number>>();

  private constructor(
    private readonly client: Redis | Cluster,
    readonly wanted: number,
    readonly timeoutMs: number,
  ) {}

  /** Opens the connection(s) for acknowledged writes: a duplicate of the manager's client. */
  static async open(main: Redis | Cluster, wanted: number, timeoutMs: number): Promise<ReplicaAcks> {
    const client: Redis | Cluster = main.isCluster ? (main as Cluster).duplicate() : (main as Redis).duplicate();
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return new ReplicaAcks(client, wanted, timeoutMs);
  }

  /**
   * The connection to the master of `key`'s slot, as the (Cluster) client knows it. While it knows
   * none (a master died and was dropped from the map: failing over), the map is refreshed every
   * 100 ms until `until` (Date.now(); nothing was sent yet, so waiting is safe), then
   * ConnectionClosedError.
   */
  async master(key: string, until: number): Promise<Redis> {
    if (!this.client.isCluster) return this.client as Redis;
    const cluster = this.client as unknown as ClusterInternals;
    const slot = keySlot(key);
    for (;;) {
      const node = cluster.slots[slot]?.[0];
      const conn = node === undefined ? undefined : cluster.connectionPool.getInstanceByKey(node);
      if (conn !== undefined) return conn;
      if (Date.now() + REFRESH_MS >= until) throw new ConnectionClosedError(`no connection to the master of ${key}'s slot within callTimeout (failing over?); the call did not run`);
      this.refresh();
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
  }

  /** The slot map is stale (a MOVED): ask the Cluster for a new one. */
  refresh(): void {
    if (this.client.isCluster) (this.client as unknown as ClusterInternals).refreshSlotsCache();
  }

  /**
   * Resolves once `wanted` replicas have what was written on `conn` so far (call it after the
   * write's reply arrived); rejects ReplicaAckError if fewer acknowledge within the timeout, or if
   * `conn` reconnected meanwhile (a WAIT on a new connection would not cover the write).
   */
  async confirm(conn: Redis, what: string): Promise<void> {
    const stream = conn.stream;
    const acked = await this.covering(conn);
    if (conn.stream !== stream) {
      throw new ReplicaAckError(
        `${what}: the connection to the master was re-established before WAIT answered; the write happened on the master but its replication is unknown (a retry may add it twice)`,
        undefined,
        this.wanted,
      );
    }
    if (acked < this.wanted) {
      throw new ReplicaAckError(
        `${what}: ${acked} of ${this.wanted} replicas acknowledged within ${this.timeoutMs / 1000} s (replicaAcks); the write happened on the master and may still be replicated or lost in a failover (a retry may add it twice)`,
        acked,
        this.wanted,
      );
    }
  }

  /** The next WAIT on `conn`: sent on the next turn of the event loop, shared by every caller until then. */
  private covering(conn: Redis): Promise<number> {
    let wait = this.next.get(conn);
    if (wait === undefined) {
      wait = new Promise<number>((resolve, reject) => {
        setImmediate(() => {
          this.next.delete(conn);
          conn.wait(this.wanted, this.timeoutMs).then(resolve, reject);
        });
      });
      this.next.set(conn, wait);
    }
    return wait;
  }

  close(): Promise<unknown> {
    return this.client.quit().catch(() => this.client.disconnect());
  }

  disconnect(): void {
    this.client.disconnect();
  }
}
