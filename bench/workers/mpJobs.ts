// The mpmanagers client jobs; each mirrors the job of the same name in bench/python/bench_client.py.
// Common params: address, authkey, and the TimedParams of timing.ts.
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Address } from '../../lib/index.js';
import { BenchManager } from './benchManager.js';
import { epochMs, pipelined, sleepUntil, timed, type Rate, type TimedParams } from './timing.js';

export interface JobParams extends TimedParams {
  address: Address;
  authkey: string;
}

export const mpJobs = {
  /** Sequential set/get on the shared dict: 2 calls per step. */
  async dict_seq(p: JobParams): Promise<Rate> {
    return withConnected(p, async (m) => {
      const d = await m.get_dict();
      const key = `k${process.pid}`;
      return timed(async () => {
        await d.set(key, 1);
        await d.get(key);
        return 2;
      }, p);
    });
  },

  /** `depth` set/get calls in flight on one connection. */
  async dict_inflight(p: JobParams & { depth: number }): Promise<Rate> {
    return withConnected(p, async (m) => {
      const d = await m.get_dict();
      const key = `k${process.pid}`;
      let turn = 0;
      return pipelined(p.depth, () => (turn++ & 1 ? d.get(key) : d.set(key, 1)), p);
    });
  },

  /** One side of the queue job: puts or gets `count` items, `depth` calls in flight; resolves the finish time. */
  async queue_role(p: JobParams & { role: 'producer' | 'consumer'; count: number; depth: number }): Promise<{ finishedAt: number }> {
    return withManager(p, async (m) => {
      const q = await m.get_queue();
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

  /** Acquire + release pairs on one Lock: 1 op = 1 pair (2 calls). */
  async lock_seq(p: JobParams): Promise<Rate> {
    return withConnected(p, async (m) => {
      const lock = await m.Lock();
      return timed(async () => {
        await lock.acquire();
        await lock.release();
        return 1;
      }, p);
    });
  },

  /** connect() (a new connection, the handshake, one call: 'dummy'), then close(). */
  async connect(p: JobParams): Promise<Rate> {
    return timed(async () => {
      const m = new BenchManager({ address: p.address, authkey: p.authkey });
      await m.connect();
      await m.close();
      return 1;
    }, p);
  },

  /** A new client, a new shared dict (create), one call on it, close (which drops the reference). */
  async create_proxy(p: JobParams): Promise<Rate> {
    return timed(async () => {
      const m = new BenchManager({ address: p.address, authkey: p.authkey });
      await m.connect();
      const d = await m.dict();
      await d.get(1);
      await m.close();
      return 1;
    }, p);
  },

  async put_blob(p: JobParams & { key: string; size: number }): Promise<null> {
    return withManager(p, async (m) => {
      await (await m.get_blobs()).set(p.key, new Uint8Array(p.size));
      return null;
    });
  },

  /** Gets of a binary value stored in the shared dict: 1 op = 1 get of `size` bytes. */
  async binary(p: JobParams & { key: string }): Promise<Rate> {
    return withConnected(p, async (m) => {
      const d = await m.get_blobs();
      return timed(async () => {
        await d.get(p.key);
        return 1;
      }, p);
    });
  },

  /**
   * Small gets on one proxy while another proxy of the same manager (the same connection) gets the
   * `key` binary value in a loop: 1 op = 1 small get; also reports the transfers done meanwhile.
   */
  async latency_under_load(
    p: JobParams & { key: string; settle?: number },
  ): Promise<Rate & { moved: number; clientLoopDelayMs: { p99: number; max: number }; clientGc: ClientGc }> {
    return withConnected(p, async (m) => {
      // How long this client's own event loop was held up meanwhile (the tail's first suspect).
      const loop = monitorEventLoopDelay({ resolution: 1 });
      const [d, blobs] = await Promise.all([m.get_dict(), m.get_blobs()]);
      await d.set('small', 1);
      let stop = false;
      let moved = 0;
      const mover = (async () => {
        while (!stop) {
          await blobs.get(p.key);
          moved++;
        }
      })();
      try {
        await new Promise((resolve) => setTimeout(resolve, (p.settle ?? 0.2) * 1000));
        loop.enable();
        // And its collector's pauses: a full collection per value or so holds the tail
        // (docs/performance.md, "Session 7").
        const gc = watchGc();
        const movedBefore = moved;
        const result = await timed(async () => {
          await d.get('small');
          return 1;
        }, p);
        loop.disable();
        const clientGc = await gc.stop(moved - movedBefore);
        return { ...result, moved, clientLoopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }, clientGc };
      } finally {
        stop = true;
        await mover;
      }
    });
  },

  /** Adds `entries` int → str entries to the server's big dict, `batch` per update() call. */
  async fill_dict(p: JobParams & { entries: number; batch: number }): Promise<Rate> {
    return withManager(p, async (m) => {
      const d = await m.get_big_dict();
      const started = performance.now();
      for (let first = 0; first < p.entries; first += p.batch) {
        const batch = new Map<number, string>();
        for (let i = first; i < Math.min(p.entries, first + p.batch); i++) batch.set(i, String(i));
        await d.update(batch);
      }
      const seconds = (performance.now() - started) / 1000;
      return { ops: p.entries, seconds, rate: p.entries / seconds };
    });
  },
};

/** Authenticated connections that stay open and idle until idle_close. */
export class IdleClients {
  private readonly managers: BenchManager[] = [];

  async open(p: JobParams & { count: number; concurrency?: number }): Promise<{ open: number; failed: number }> {
    let started = 0;
    let failed = 0;
    const lane = async (): Promise<void> => {
      while (started < p.count) {
        started++;
        const m = new BenchManager({ address: p.address, authkey: p.authkey, handshakeTimeout: 20 });
        try {
          await m.connect();
          this.managers.push(m);
        } catch {
          failed++; // counted, not waited for: the row divides by the connections actually open
        }
      }
    };
    await Promise.all(Array.from({ length: p.concurrency ?? 8 }, lane));
    return { open: this.managers.length, failed };
  }

  async close(): Promise<null> {
    for (const m of this.managers.splice(0)) await m.close();
    return null;
  }
}

/** Connections reused by the steady-state jobs, by server: a repetition measures calls, not connecting. */
const connected = new Map<string, Promise<BenchManager>>();

async function withConnected<R>(p: JobParams, work: (m: BenchManager) => Promise<R>): Promise<R> {
  const key = JSON.stringify([p.address, p.authkey]);
  let manager = connected.get(key);
  if (manager === undefined) {
    const m = new BenchManager({ address: p.address, authkey: p.authkey, maxFrameSize: 256 * 1024 * 1024 });
    manager = m.connect().then(() => m);
    connected.set(key, manager);
  }
  try {
    return await work(await manager);
  } catch (error) {
    connected.delete(key);
    throw error;
  }
}

async function withManager<R>(p: JobParams, work: (m: BenchManager) => Promise<R>): Promise<R> {
  const m = new BenchManager({ address: p.address, authkey: p.authkey, maxFrameSize: 256 * 1024 * 1024 });
  await m.connect();
  try {
    return await work(m);
  } finally {
    await m.close();
  }
}

/** The client's GC pauses during the loaded row's window, per large value moved meanwhile. */
export interface ClientGc {
  /** Values moved in the window. */
  values: number;
  /** Full (mark-compact) collections per value, and the longest of their pauses in ms. */
  majorPerValue: number;
  majorMaxMs: number;
  /** Young-generation collections per value. */
  minorPerValue: number;
}

function watchGc(): { stop(values: number): Promise<ClientGc> } {
  let majors = 0;
  let majorMaxMs = 0;
  let minors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail: { kind: number } }).detail.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        majors++;
        majorMaxMs = Math.max(majorMaxMs, entry.duration);
      } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minors++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop(values) {
      await new Promise((resolve) => setImmediate(resolve)); // entries are delivered after the turn
      observer.disconnect();
      const per = (count: number): number => (values > 0 ? count / values : Number.NaN);
      return { values, majorPerValue: per(majors), majorMaxMs, minorPerValue: per(minors) };
    },
  };
}
