// This manager's references: a count per object here, one lease entry per manager in the object's
// refs (holder → expiry). A timer renews every lease at a third of its length while this process
// lives; objects stored inside a held object are renewed too, under the holder `in:<container>`.
// The last release (or the lease running out) deletes an anonymous object.
import createDebug from 'debug';
import type { RedisStore } from './store.js';

const log = createDebug('mpmanagers:redis');

export class Holds {
  private readonly counts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;

  constructor(private readonly store: RedisStore) {
    this.timer = setInterval(() => {
      this.renewing ??= this.renewAll()
        .catch((error: unknown) => log('renewing leases failed: %O', error))
        .finally(() => (this.renewing = undefined));
    }, Math.max(50, Math.floor(store.settings.leaseMs / 3)));
    this.timer.unref();
  }

  /** Counts a reference the create script has already recorded in Redis. */
  taken(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Takes a reference (a proxy received inside a value, or from another process). */
  async adopt(id: string): Promise<void> {
    const count = this.counts.get(id) ?? 0;
    this.counts.set(id, count + 1);
    if (count === 0) await this.renewOne(id, this.store.holder, new Set());
  }

  get size(): number {
    return this.counts.size;
  }

  async release(id: string): Promise<void> {
    const count = this.counts.get(id);
    if (count === undefined) return;
    if (count > 1) {
      this.counts.set(id, count - 1);
      return;
    }
    this.counts.delete(id);
    const h = this.store.handle(id);
    await this.store.run(h, 'release', [h.anon ? 1 : 0]);
  }

  /** Renews every lease now (the timer does this on its own). */
  async renewAll(): Promise<void> {
    const seen = new Set<string>();
    await Promise.all([...this.counts.keys()].map((id) => this.renewOne(id, this.store.holder, seen)));
  }

  /** Stops renewing and releases every reference (graceful close). */
  async releaseAll(): Promise<void> {
    clearInterval(this.timer);
    const ids = [...this.counts.keys()];
    this.counts.clear();
    await Promise.all(
      ids.map(async (id) => {
        const h = this.store.handle(id);
        await this.store.run(h, 'release', [h.anon ? 1 : 0]).catch((error: unknown) => log('release of %s failed: %O', id, error));
      }),
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renewOne(id: string, holder: string, seen: Set<string>): Promise<void> {
    const key = `${holder} ${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    const h = this.store.handle(id);
    const inner = (await this.store.run(h, 'renew', [this.store.settings.leaseMs, h.anon ? 1 : 0], holder)) as Buffer[] | null;
    if (inner === null) return;
    await Promise.all(inner.map((b) => this.renewOne(b.toString(), `in:${id}`, seen)));
  }
}
