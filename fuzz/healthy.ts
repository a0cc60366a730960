// The well-behaved client that must be served correctly throughout a fuzz run: a list, a dict, a
// queue, and a lock-protected counter, each operation checked against what it must return.
import { fileURLToPath } from 'node:url';
import { SyncManager, ConnectionClosedError, type AcquirerProxy, type DictProxy, type ListProxy, type QueueProxy, type ValueProxy } from '../lib/index.js';
import type { Address } from '../lib/connection/address.js';

/** A pause between rounds: the healthy client is a steady user, not another load generator. */
const ROUND_PAUSE_MS = 10;

export interface HealthyStats {
  /** Checked rounds completed (each: 9 calls). */
  rounds: number;
  /** Wrong answers or errors (must stay 0), with the first few described. */
  failures: number;
  failureSamples: string[];
  /** Slowest round, in milliseconds. */
  slowestRoundMs: number;
}

export class HealthyClient {
  readonly stats: HealthyStats = { rounds: 0, failures: 0, failureSamples: [], slowestRoundMs: 0 };
  private stopped = false;
  private loop: Promise<void> | undefined;

  private constructor(
    readonly manager: SyncManager,
    private readonly list: ListProxy<number>,
    private readonly dict: DictProxy<string, number>,
    private readonly queue: QueueProxy<number>,
    private readonly lock: AcquirerProxy,
    private readonly counter: ValueProxy<number>,
  ) {}

  static async connect(address: Address, authkey: Uint8Array): Promise<HealthyClient> {
    const manager = new SyncManager({ address, authkey });
    await manager.connect();
    return new HealthyClient(manager, await manager.list(), await manager.dict(), await manager.Queue(), await manager.Lock(), await manager.Value('q', 0));
  }

  /** The ids of its shared objects: the fuzzer must never touch them. */
  get objectIds(): string[] {
    return [this.list, this.dict, this.queue, this.lock, this.counter].map((p) => p._token.id);
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<HealthyStats> {
    this.stopped = true;
    await this.loop;
    return this.stats;
  }

  private async run(): Promise<void> {
    let expectedLength = 0;
    while (!this.stopped) {
      const n = this.stats.rounds;
      const start = performance.now();
      try {
        if (expectedLength >= 1000) {
          await this.list.clear();
          expectedLength = 0;
        }
        await this.list.append(n);
        expectedLength++;
        this.check('list.get(-1)', await this.list.get(-1), n);
        this.check('list.length()', await this.list.length(), expectedLength);
        await this.dict.set(`k${n % 100}`, n);
        this.check('dict.get', await this.dict.get(`k${n % 100}`), n);
        await this.queue.put(n);
        this.check('queue.get', await this.queue.get(true, 10), n);
        this.check('lock.acquire', await this.lock.acquire(true, 10), true);
        await this.counter.set((await this.counter.get()) + 1);
        await this.lock.release();
        this.check('counter', await this.counter.get(), n + 1);
      } catch (error) {
        this.fail(`round ${n}: ${(error as Error).name}: ${(error as Error).message}`);
        if (error instanceof ConnectionClosedError) return;
      }
      this.stats.rounds++;
      this.stats.slowestRoundMs = Math.max(this.stats.slowestRoundMs, performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
  }

  private check(what: string, actual: unknown, expected: unknown): void {
    if (actual !== expected) this.fail(`${what}: got ${String(actual)}, expected ${String(expected)}`);
  }

  private fail(description: string): void {
    this.stats.failures++;
    if (this.stats.failureSamples.length < 5) this.stats.failureSamples.push(description);
  }
}

// Run as its own process (fuzz/run.ts forks it), so that the fuzzer's own work never delays it:
// argv[2] = the server address (JSON); the authkey comes from MPM_FUZZ_AUTHKEY. It sends
// `{ type: 'ready', objectIds }`, checks rounds until sent `{ type: 'stop' }`, then sends
// `{ type: 'stats', stats }`, shuts the server down, and exits.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const client = await HealthyClient.connect(JSON.parse(process.argv[2]) as Address, Buffer.from(process.env['MPM_FUZZ_AUTHKEY']!));
  process.once('message', () => {
    void client.stop().then(async (stats) => {
      process.send!({ type: 'stats', stats });
      await client.manager.shutdown();
      process.disconnect();
    });
  });
  client.start();
  process.send!({ type: 'ready', objectIds: client.objectIds });
}
