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
  /**
   * Objects whose renewal is in flight, skipped by the next rounds: one object's renewal may wait up
   * to callTimeout (its master down, its slot being migrated) without holding back the others'.
   */
  private readonly renewing = new Set<string>();

  constructor(private readonly store: RedisStore) {
    this.timer = setInterval(() => {
      const seen = new Set<string>();
      for (const id of this.counts.keys()) {
        if (!this.renewing.has(id)) this.renewTop(id, seen).catch((error: unknown) => log('renewing the lease on %s failed: %O', id, error));
      }
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

  /** Renews every lease now, but those being renewed already (the timer does this on its own). */
  async renewAll(): Promise<void> {
    const seen = new Set<string>();
    await Promise.all([...this.counts.keys()].filter((id) => !this.renewing.has(id)).map((id) => this.renewTop(id, seen)));
  }

  private async renewTop(id: string, seen: Set<string>): Promise<void> {
    this.renewing.add(id);
    try {
      await this.renewOne(id, this.store.holder, seen);
    } finally {
      this.renewing.delete(id);
    }
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
