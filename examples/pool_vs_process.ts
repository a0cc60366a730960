// fib(n) twice (default n = 33): sequentially, in two Processes, with Pool(2).map, and with an
// in-process concurrency-limited queue (p-queue, the analogue of Python's thread-backed dummy pool).
// The Processes and the Pool use two cores; p-queue shares this one thread, so it gains nothing.
// In Node, starting processes and workers costs more than fib(33) itself: that is shown apart, and
// each contender's computation is timed on its best of three rounds (pass a larger n, such as 38,
// to make start-up and noise negligible).
//   node --import tsx examples/pool_vs_process.ts [n]
import PQueue from 'p-queue';
import { SyncManager, Pool, Process, isMainModule, type BarrierProxy, type QueueProxy } from '../lib/index.js';

const ROUNDS = 3;

export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Lets the JIT compile fib first, so that every contender is timed on optimized code. */
export function warmUp(): number {
  let sum = 0;
  for (let i = 0; i < 20; i++) sum += fib(20);
  return sum;
}

/** A Process target: each round, once the parent and both children are ready, computes fib(n). */
export async function fibProcess(n: number, ready: BarrierProxy, results: QueueProxy<number>): Promise<void> {
  warmUp();
  for (let round = 0; round < ROUNDS; round++) {
    await ready.wait();
    await results.put(fib(n));
  }
}

/** The best of ROUNDS timings of `run`, in seconds. */
async function bestOf(run: () => unknown): Promise<string> {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return (best / 1000).toFixed(3);
}

const since = (start: number): string => ((performance.now() - start) / 1000).toFixed(3);

async function sequential(n: number): Promise<void> {
  warmUp();
  console.log(`sequential:    ${await bestOf(() => [fib(n), fib(n)])} s`);
}

async function twoProcesses(n: number): Promise<void> {
  await using manager = new SyncManager();
  await manager.start();
  const ready = await manager.Barrier(3);
  const results = await manager.Queue<number>();
  const launched = performance.now();
  const processes = [0, 1].map(() => new Process({ module: import.meta.url, export: 'fibProcess', args: [n, ready, results] }));
  for (const p of processes) p.start();
  let startup = '';
  const best = await bestOf(async () => {
    await ready.wait(); // both children are running and about to compute; the clock started just before
    startup ||= since(launched);
    await results.get();
    await results.get();
  });
  await Promise.all(processes.map((p) => p.join()));
  console.log(`two Processes: ${best} s   (+ ${startup} s to start them)`);
}

async function poolMap(n: number): Promise<void> {
  const launched = performance.now();
  await using pool = new Pool(2, { module: import.meta.url });
  await pool.map('warmUp', [null, null], 1); // the workers have loaded this module and compiled fib
  const startup = since(launched);
  console.log(`Pool(2).map:   ${await bestOf(() => pool.map('fib', [n, n], 1))} s   (+ ${startup} s to start the workers)`);
}

async function inProcessQueue(n: number): Promise<void> {
  const queue = new PQueue({ concurrency: 2 });
  const best = await bestOf(() => Promise.all([queue.add(() => fib(n)), queue.add(() => fib(n))]));
  console.log(`p-queue (2):   ${best} s   (one thread: no speed-up)`);
}

if (isMainModule(import.meta.url)) {
  const n = Number(process.argv[2] ?? 33);
  console.log(`fib(${n}) twice, best of ${ROUNDS}:`);
  await sequential(n);
  await twoProcesses(n);
  await poolMap(n);
  await inProcessQueue(n);
}
