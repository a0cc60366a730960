// The soak (npm run soak): load on one manager server, on loopback, with exact checks at the end.
//   1. `--clients` client processes (default 64) doing mixed operations on shared objects for
//      `--seconds` (default 60): the lock-protected counter must equal the increments made, and
//      every item put in the queue must be consumed exactly once.
//   2. `--held` authenticated client connections (default 10,000) held open at once by one server,
//      spread over processes of 1,000, every one of them answered, and a fresh client still served.
// `--quick` (CI): 16 clients for 8 s, 1,000 held connections. Exit code 1 on any failed check.
// `--long` (not in CI; issue 16 §5): part 1 only, 8 clients for two hours (or --seconds), reporting
//   each `--tick` (default 60 s): calls/s, the median of the clients' p50 and p99 per operation, and
//   the server's RSS; fails when the last tick falls behind the first (after the warm-up tick) by more
//   than noise: calls/s below 0.8 ×, p99 above 1.5 × + 1 ms, RSS above 1.2 × + 32 MiB.
//   node --import tsx test/reliability/soak/run.ts [--quick | --long] [--clients N] [--seconds S] [--held N] [--tick S]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SyncManager } from '../../../lib/index.js';
import type { Address } from '../../../lib/connection/address.js';
import { proxyRef } from '../../../lib/manager/baseManager.js';
import { progress } from '../../../bench/harness/progress.js';

const { values: cli } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    seconds: { type: 'string' },
    held: { type: 'string' },
    long: { type: 'boolean', default: false },
    tick: { type: 'string' },
  },
});
const LONG = cli.long;
const CLIENTS = Number(cli.clients ?? (cli.quick ? 16 : LONG ? 8 : 64));
const SECONDS = Number(cli.seconds ?? (cli.quick ? 8 : LONG ? 7200 : 60));
/** --long: seconds per reported interval. */
const TICK = LONG ? Number(cli.tick ?? 60) : undefined;
const HELD = Number(cli.held ?? (cli.quick ? 1000 : 10_000));
const PER_HOLDER = 1000;

const authkey = randomBytes(16).toString('hex');
const failures: string[] = [];
const report: Record<string, unknown> = {};

/** Every child process, killed if the run ends early. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Runs both parts (called at the end of this file, once every declaration exists). */
async function main(): Promise<void> {
  const mixed = await mixedLoad();
  report['mixed'] = mixed;
  if (LONG) {
    console.log(JSON.stringify(report, null, 2));
    if (failures.length > 0) {
      console.log(`SOAK FAILED:\n  ${failures.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`long soak passed: ${CLIENTS} client processes x ${SECONDS} s, calls/s, p99 and RSS flat from the first tick to the last`);
    return;
  }
  const held = await heldConnections();
  report['held'] = held;

  console.log(JSON.stringify(report, null, 2));
  if (failures.length > 0) {
    console.log(`SOAK FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `soak passed: ${CLIENTS} client processes x ${SECONDS} s, ${mixed.operations} operations exact; ` +
      `${held.connections} authenticated connections held by one server, all answered`,
  );
}

// ---- 1. mixed operations from many processes

async function mixedLoad(): Promise<{
  operations: number;
  operationsPerSecond: number;
  wallSeconds: number;
  increments: number;
  items: number;
  counter: number;
}> {
  const server = await startServer({ handshakeTimeout: 60, backlog: 1024 });
  const manager = new SyncManager({ address: server.address, authkey });
  await manager.connect();
  const shared = {
    lock: await manager.Lock(),
    counter: await manager.Value<number>('q', 0),
    queue: await manager.Queue<number>(),
    list: await manager.list<number>(),
    dict: await manager.dict<string, number>(),
  };
  const objectsBefore = (await server.stats()).objects;
  const refs = Object.fromEntries(Object.entries(shared).map(([name, proxy]) => [name, proxyRef(proxy)]));
  console.log(`mixed load: ${CLIENTS} client processes for ${SECONDS} s`);
  const started = performance.now();
  // On a terminal, a bar of the seconds of load (the workers' start-up included); nothing in CI logs.
  const bar = progress('mixed load', SECONDS, 's');
  const ticker = setInterval(() => bar.update(Math.floor((performance.now() - started) / 1000)), 500);
  const ticks: Tick[][] = [];
  const rss: MemorySample[] = [];
  const rssWatch = TICK === undefined ? undefined : watchRss(server, rss);
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, worker) =>
      runToEnd('worker.ts', { address: server.address, worker, seconds: SECONDS, refs, tick: TICK }).then((lines) => {
        const line = lines.find((l) => l.startsWith('result '));
        if (line === undefined) throw new Error(`worker ${worker} printed no result`);
        ticks[worker] = lines.filter((l) => l.startsWith('tick ')).map((l) => JSON.parse(l.slice('tick '.length)) as Tick);
        return JSON.parse(line.slice('result '.length)) as WorkerResult;
      }),
    ),
  );
  clearInterval(ticker);
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  if (rssWatch !== undefined) {
    clearInterval(rssWatch);
    report['ticks'] = judgeTicks(ticks, rss);
  }

  // Whatever is still queued is consumed here: together, exactly what was produced.
  const consumed = results.flatMap((r) => r.consumed);
  while ((await shared.queue.qsize()) > 0) consumed.push(await shared.queue.getNowait());
  const produced = results.flatMap((r) => r.produced);
  checkExactlyOnce(produced, consumed);

  const increments = results.reduce((n, r) => n + r.increments, 0);
  const counter = await shared.counter.get();
  if (counter !== increments) failures.push(`counter is ${counter}, but ${increments} increments were made under the lock`);
  const appended = results.reduce((n, r) => n + r.appended, 0);
  const listLength = await shared.list.length();
  if (listLength !== appended) failures.push(`the list holds ${listLength} items, ${appended} were appended`);
  for (const r of results) {
    const seen = await shared.dict.get(`w${r.worker}`, 0);
    if (seen !== r.appended) failures.push(`dict[w${r.worker}] is ${seen}, expected ${r.appended}`);
    if (r.wrong.length > 0) failures.push(`worker ${r.worker} saw wrong answers: ${r.wrong.slice(0, 3).join('; ')}`);
  }
  const objectsAfter = (await server.stats()).objects;
  if (objectsAfter !== objectsBefore) failures.push(`${objectsAfter} shared objects after the load, ${objectsBefore} before`);

  await manager.shutdown();
  await server.stopped();
  const operations = results.reduce((n, r) => n + r.operations, 0);
  // Each worker runs for SECONDS once connected; `seconds` adds the processes' start-up.
  return { operations, operationsPerSecond: Math.round(operations / SECONDS), wallSeconds: Math.round(seconds), increments, items: produced.length, counter };
}

/** One client's operations in one --long tick, and their latency percentiles (µs). */
interface Tick {
  ops: number;
  p50: number;
  p99: number;
}

/**
 * The server's memory at one tick, in MiB, after a full collection: RSS, and the JS heap in use and
 * external memory, which tell growth of live objects (a leak) from growth of what the allocators
 * keep (fragmentation).
 */
interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Samples the server's memory every tick. */
function watchRss(server: { stats(collect?: boolean): Promise<ServerStats> }, into: MemorySample[]): NodeJS.Timeout {
  const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  return setInterval(() => {
    void server.stats(true).then(({ memory }) => into.push({ rss: mib(memory.rss), heapUsed: mib(memory.heapUsed), external: mib(memory.external) }));
  }, TICK! * 1000);
}

/**
 * The per-tick table of --long (calls/s of all clients, median p50 and p99 of the clients, server
 * RSS), and the verdict: the last full tick against the first after the warm-up (tick 0).
 */
function judgeTicks(
  perWorker: Tick[][],
  memory: MemorySample[],
): { tick: number; callsPerSecond: number; p50Us: number; p99Us: number; rssMiB?: number; heapUsedMiB?: number; externalMiB?: number }[] {
  const count = Math.min(...perWorker.map((t) => t.length));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
  const table = Array.from({ length: count }, (_, k) => ({
    tick: k,
    callsPerSecond: Math.round(perWorker.reduce((n, t) => n + t[k].ops, 0) / TICK!),
    p50Us: median(perWorker.map((t) => t[k].p50)),
    p99Us: median(perWorker.map((t) => t[k].p99)),
    ...(memory[k] === undefined ? {} : { rssMiB: memory[k].rss, heapUsedMiB: memory[k].heapUsed, externalMiB: memory[k].external }),
  }));
  for (const row of table) {
    console.log(
      `tick ${row.tick}: ${row.callsPerSecond} calls/s, p50 ${row.p50Us} µs, p99 ${row.p99Us} µs, ` +
        `server RSS ${row.rssMiB ?? '?'} MiB (JS heap ${row.heapUsedMiB ?? '?'} MiB, external ${row.externalMiB ?? '?'} MiB)`,
    );
  }
  if (count < 3) {
    failures.push(`--long needs at least 3 ticks to judge (a warm-up, a first and a last); got ${count}`);
    return table;
  }
  const first = table[1];
  const last = table[count - 1];
  if (last.callsPerSecond < 0.8 * first.callsPerSecond) failures.push(`calls/s fell from ${first.callsPerSecond} (tick 1) to ${last.callsPerSecond} (tick ${last.tick})`);
  if (last.p99Us > 1.5 * first.p99Us + 1000) failures.push(`p99 rose from ${first.p99Us} µs (tick 1) to ${last.p99Us} µs (tick ${last.tick})`);
  const rssFirst = memory[1]?.rss;
  const rssLast = memory[memory.length - 1]?.rss;
  if (rssFirst !== undefined && rssLast !== undefined && rssLast > 1.2 * rssFirst + 32) failures.push(`server RSS grew from ${rssFirst} MiB (tick 1) to ${rssLast} MiB`);
  return table;
}

interface WorkerResult {
  worker: number;
  operations: number;
  increments: number;
  produced: number[];
  consumed: number[];
  appended: number;
  wrong: string[];
}

function checkExactlyOnce(produced: number[], consumed: number[]): void {
  const expected = [...produced].sort((a, b) => a - b);
  const actual = [...consumed].sort((a, b) => a - b);
  const duplicates = actual.filter((item, i) => i > 0 && actual[i - 1] === item);
  const consumedSet = new Set(actual);
  const lost = expected.filter((item) => !consumedSet.has(item));
  const producedSet = new Set(expected);
  const invented = actual.filter((item) => !producedSet.has(item));
  if (duplicates.length + lost.length + invented.length > 0) {
    failures.push(`queue: ${duplicates.length} consumed twice, ${lost.length} lost, ${invented.length} never produced (of ${expected.length})`);
  }
}

// ---- 2. many connections held at once

async function heldConnections(): Promise<{ connections: number; holders: number; connectSeconds: number; allAnsweredMs: number; probeMs: { median: number; max: number }; serverRssMB: number }> {
  const server = await startServer({ maxConnections: HELD + 100, backlog: 4096, handshakeTimeout: 60 });
  const holders: Child[] = [];
  const holderCount = Math.ceil(HELD / PER_HOLDER);
  console.log(`held connections: ${HELD} over ${holderCount} processes`);
  const started = performance.now();
  for (let i = 0; i < holderCount; i++) {
    const count = Math.min(PER_HOLDER, HELD - i * PER_HOLDER);
    holders.push(new Child('holder.ts', { address: server.address, count, concurrency: 20 }));
  }
  const bar = progress('held connections', HELD, 'connections');
  let connected = 0;
  await Promise.all(
    holders.map((h) =>
      h.line('connected').then((line) => {
        connected += Number(/\d+/.exec(line.slice('connected'.length))?.[0] ?? PER_HOLDER);
        bar.update(connected, `${holders.length} processes`);
      }),
    ),
  );
  bar.stop();
  const connectSeconds = (performance.now() - started) / 1000;
  const stats = await server.stats();
  if (stats.connections !== HELD) failures.push(`the server holds ${stats.connections} connections, expected ${HELD}`);

  // Every held connection answers, and a fresh client is still served promptly.
  const callStart = performance.now();
  const answers = await Promise.all(holders.map((h) => h.request<{ ok: number; failed: number }>({ type: 'call' }, 'called')));
  const allAnsweredMs = performance.now() - callStart;
  const ok = answers.reduce((n, a) => n + a.ok, 0);
  if (ok !== HELD) failures.push(`${HELD - ok} held connections did not answer`);
  const probe = new SyncManager({ address: server.address, authkey });
  await probe.connect();
  const latencies: number[] = [];
  const list = await probe.list();
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await list.append(i);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);

  for (const h of holders) h.send({ type: 'close' });
  await Promise.all(holders.map((h) => h.exited));
  const after = await waitFor(async () => (await server.stats()).connections === 1, 30);
  if (!after) failures.push('connections did not all close after the holders left');
  await probe.shutdown();
  await server.stopped();
  return {
    connections: stats.connections,
    holders: holderCount,
    connectSeconds: Math.round(connectSeconds * 10) / 10,
    allAnsweredMs: Math.round(allAnsweredMs),
    probeMs: { median: round(latencies[latencies.length >> 1]), max: round(latencies[latencies.length - 1]) },
    serverRssMB: Math.round(stats.memory.rss / 1024 / 1024),
  };
}

// ---- processes

interface ServerStats {
  connections: number;
  objects: number;
  memory: NodeJS.MemoryUsage;
}

/** The server process, with its file-descriptor limit raised to the hard limit. */
async function startServer(options: object): Promise<{ address: Address; stats(collect?: boolean): Promise<ServerStats>; stopped(): Promise<void> }> {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url));
  // --long: the server collects garbage before each tick's sample, so its heap figure is what is alive.
  const command = [process.execPath, ...process.execArgv, ...(LONG ? ['--expose-gc'] : []), script, JSON.stringify(options)].map(shellQuote).join(' ');
  const child = new Child(['sh', '-c', `ulimit -n "$(ulimit -Hn)" && exec ${command}`], {});
  const address = JSON.parse((await child.line('listening')).slice('listening '.length)) as Address;
  return {
    address,
    stats: (collect = false) => child.request<ServerStats>({ type: 'stats', collect }, 'stats'),
    async stopped() {
      const exit = await child.exited;
      if (exit.code !== 0) failures.push(`the server exited with code ${exit.code} (signal ${exit.signal})`);
    },
  };
}

/** Runs a script of this folder to its end; resolves with its stdout lines (rejects on a non-zero exit). */
async function runToEnd(script: string, input: object): Promise<string[]> {
  const child = new Child(script, input);
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`${script} exited with code ${exit.code}: ${child.stderr}`);
  return child.lines;
}

class Child {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly process: ChildProcess;
  private readonly waiters: (() => void)[] = [];

  /** A script of this folder with its JSON input, or a whole command line (an array). */
  constructor(script: string | string[], input: object) {
    const [command, ...args] = Array.isArray(script)
      ? script
      : [process.execPath, ...process.execArgv, fileURLToPath(new URL(script, import.meta.url)), JSON.stringify(input)];
    this.process = spawn(command, args, {
      env: { ...process.env, MPM_SOAK_AUTHKEY: authkey },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    readline.createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    children.add(this.process);
    this.exited = new Promise((resolve) =>
      this.process.on('exit', (code, signal) => {
        children.delete(this.process);
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      }),
    );
  }

  async line(prefix: string): Promise<string> {
    for (;;) {
      const found = this.lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) return found;
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`child exited before printing '${prefix}': ${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(message: object): void {
    this.process.send(message);
  }

  request<T>(message: object, replyType: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (reply: { type: string }): void => {
        if (reply.type !== replyType) return;
        this.process.off('message', onMessage);
        resolve(reply as T);
      };
      this.process.on('message', onMessage);
      this.process.send(message);
    });
  }
}

async function waitFor(predicate: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

await main();
