// Pool: CPU work spread over worker threads, with Python's multiprocessing.Pool API. Functions are
// named exports of the pool's module (a path or a file URL), never shipped. Built on piscina: worker
// threads start faster and exchange data more cheaply than processes, and each worker is a full Node
// isolate, so CPU-bound functions run in parallel.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import createDebug from 'debug';
import type { Piscina } from 'piscina';
import { piscinaClass } from './piscinaClass.js';
import { RuntimeError, ValueError, TypeError as PyTypeError } from '../errors.js';
import type { BaseProxy } from '../proxies/base.js';
import { defaultAuthkey, toAuthkey } from '../manager/authkey.js';
import { moduleUrl, type ModuleName } from './modules.js';
import { AsyncResult, type ResultCallbacks } from './asyncResult.js';
import { IMapIterator } from './imapIterator.js';
import { WorkerRetirement } from './poolRetirement.js';
import { progressCounter, type ProgressOptions } from './progress.js';
import { describeProxies, notTransferable } from './sharedArgs.js';
import { credentialsOf } from './proxyCredentials.js';
import { ArgsTransfer } from './argsTransfer.js';
import { errorFromMessage } from './errorTransfer.js';
import { callsOf, chunksOf, WORKER_INITIALIZED, type PoolReply, type PoolTask, type PoolWorkerData } from './poolTasks.js';

const log = createDebug('mpmanagers:pool');

export interface PoolOptions {
  /** The module whose named exports the pool runs: a path (relative to the cwd) or a file URL. Required. */
  module: ModuleName;
  /** The name of an export of `module` that each worker calls (and awaits) once, before any task. */
  initializer?: string;
  /** The initializer's arguments; proxies among them arrive as working proxies. Default []. */
  initargs?: unknown[];
  /** Authkey for connecting the proxies passed to the workers. Default: this process's authkey. */
  authkey?: string | Uint8Array;
  /** A worker is replaced by a fresh one (initializer run again) after this many tasks. Default null: never. */
  maxtasksperchild?: number | null;
}

export type PoolState = 'run' | 'close' | 'terminate';

export class Pool {
  /** The number of workers. */
  readonly processes: number;
  private readonly piscina: Piscina<PoolTask, PoolReply>;
  private state: PoolState = 'run';
  /** Tasks submitted and not yet settled (join() waits for them). */
  private readonly outstanding = new Set<Promise<unknown>>();
  /** Resolves once every worker has run its initializer (immediately without one). */
  private readonly initialized: Promise<void>;
  private destroying: Promise<void> | undefined;
  /** The proxies among the initargs, kept alive until every worker has rebuilt its own. */
  private initargProxies: BaseProxy[] = [];
  /** Set with maxtasksperchild: counts each worker's tasks and replaces it after its last. */
  private readonly retirement: WorkerRetirement | undefined;
  /** Items of map/imap calls submitted and completed (settled), for `describe`. */
  private itemsSubmitted = 0;
  private itemsDone = 0;

  /** `processes`: the number of workers, default the number of CPUs; ValueError unless an integer ≥ 1. */
  constructor(processes: number | null | undefined, options: PoolOptions) {
    const count = processes ?? availableParallelism();
    if (!Number.isInteger(count) || count < 1) throw new ValueError(`Number of processes must be at least 1, not ${String(processes)}`);
    if (typeof options !== 'object' || options === null) throw new PyTypeError('new Pool(n, { module }) needs the module of its functions');
    if (options.initializer !== undefined && typeof options.initializer !== 'string') {
      throw new PyTypeError('initializer must be the name of an export of `module` (functions cannot be sent to a worker)');
    }
    const { maxtasksperchild } = options;
    if (maxtasksperchild !== undefined && maxtasksperchild !== null && !(Number.isInteger(maxtasksperchild) && maxtasksperchild > 0)) {
      throw new ValueError('maxtasksperchild must be a positive int or null');
    }
    this.processes = count;
    if (maxtasksperchild !== undefined && maxtasksperchild !== null) {
      this.retirement = new WorkerRetirement(maxtasksperchild, () => this.piscina.threads);
    }
    const workerData: PoolWorkerData = {
      workerModule: siblingUrl('poolWorker'),
      connectionsModule: siblingUrl('proxyConnections'),
      module: moduleUrl(options.module),
      initializer: initializerOf(options, this.initargProxies),
      authkey: options.authkey === undefined ? defaultAuthkey() : toAuthkey(options.authkey),
    };
    const PiscinaClass = piscinaClass();
    this.piscina = new PiscinaClass<PoolTask, PoolReply>({
      filename: fileURLToPath(siblingUrl('poolBootstrap')),
      minThreads: count,
      maxThreads: count,
      maxQueue: Infinity,
      // Workers keep running their event loop between tasks (their manager connections stay served).
      atomics: 'disabled',
      workerData,
      ...(this.retirement === undefined ? {} : { loadBalancer: this.retirement.balancer }),
    });
    this.piscina.on('error', (error: Error) => log('pool worker error: %O', error));
    this.initialized = options.initializer === undefined ? Promise.resolve() : this.workersInitialized(count);
    void this.initialized.then(() => (this.initargProxies = []));
  }

  /** Runs `fn(...args)` in a worker; resolves to its result, or rejects with its error (class and stack kept). */
  apply<R = unknown>(fn: string, args: readonly unknown[] = []): Promise<R> {
    return this.applyAsync<R>(fn, args).get();
  }

  /** `callbacks`: Python's callback / error_callback, run in this thread before the result is ready. */
  applyAsync<R = unknown>(fn: string, args: readonly unknown[] = [], callbacks: ResultCallbacks<R> = {}): AsyncResult<R> {
    if (!Array.isArray(args)) throw new PyTypeError('apply(fn, args): args must be an array');
    return new AsyncResult(this.submit(fn, [[...args]]).then((values) => values[0] as R), callbacks);
  }

  /** `fn(item)` for each item, in parallel; the results in order. `chunksize`: items per task (default: about 4 tasks per worker). */
  map<R = unknown>(fn: string, items: Iterable<unknown>, chunksize: number | null = null, options: ProgressOptions = {}): Promise<R[]> {
    return this.mapChunks<R>(fn, callsOf(items, false), chunksize, options);
  }

  /** `callbacks.callback` receives the whole list of results. */
  mapAsync<R = unknown>(
    fn: string,
    items: Iterable<unknown>,
    chunksize: number | null = null,
    callbacks: ResultCallbacks<R[]> = {},
  ): AsyncResult<R[]> {
    return new AsyncResult(this.mapChunks<R>(fn, callsOf(items, false), chunksize), callbacks);
  }

  /** `fn(...args)` for each argument list. */
  starmap<R = unknown>(fn: string, items: Iterable<readonly unknown[]>, chunksize: number | null = null, options: ProgressOptions = {}): Promise<R[]> {
    return this.mapChunks<R>(fn, callsOf(items, true), chunksize, options);
  }

  starmapAsync<R = unknown>(
    fn: string,
    items: Iterable<readonly unknown[]>,
    chunksize: number | null = null,
    callbacks: ResultCallbacks<R[]> = {},
  ): AsyncResult<R[]> {
    return new AsyncResult(this.mapChunks<R>(fn, callsOf(items, true), chunksize), callbacks);
  }

  /**
   * The results in order, each as soon as it (and those before it) are ready: `for await`, or
   * `next(timeout)` (TimeoutError when none is ready in time). All tasks are submitted now.
   */
  imap<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1, options: ProgressOptions = {}): IMapIterator<R> {
    return new IMapIterator<R>(this.submitChunks(fn, callsOf(items, false), chunksize, options), true);
  }

  /** The results in the order they complete. */
  imapUnordered<R = unknown>(fn: string, items: Iterable<unknown>, chunksize = 1, options: ProgressOptions = {}): IMapIterator<R> {
    return new IMapIterator<R>(this.submitChunks(fn, callsOf(items, false), chunksize, options), false);
  }

  /** Accepts no more tasks; the workers stop once the submitted ones are done (see join()). */
  close(): void {
    if (this.state === 'run') this.state = 'close';
  }

  /** Stops the workers now. Tasks not yet finished reject RuntimeError. Resolves once the workers are gone. */
  terminate(): Promise<void> {
    this.state = 'terminate';
    return this.destroy();
  }

  /** Waits for the workers to exit; call close() or terminate() first (ValueError otherwise). */
  async join(): Promise<void> {
    if (this.state === 'run') throw new ValueError('Pool is still running: call close() or terminate() first');
    if (this.state === 'close') {
      await this.initialized;
      while (this.outstanding.size > 0) await Promise.allSettled([...this.outstanding]);
    }
    await this.destroy();
  }

  /** `await using pool = new Pool(...)`: terminates at the end of the block, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  toString(): string {
    return `<Pool processes=${this.processes} state=${this.state.toUpperCase()} pool_size=${this.processes}>`;
  }

  private mapChunks<R>(fn: string, calls: unknown[][], chunksize: number | null, options: ProgressOptions = {}): Promise<R[]> {
    const chunks = this.submitChunks(fn, calls, chunksize, options);
    return Promise.all(chunks).then((results) => results.flat() as R[]);
  }

  private submitChunks(fn: string, calls: unknown[][], chunksize: number | null, options: ProgressOptions = {}): Promise<unknown[]>[] {
    this.requireRunning();
    const itemsDone = progressCounter(options, calls.length);
    this.itemsSubmitted += calls.length;
    return chunksOf(calls, chunksize, this.processes).map((chunk) => {
      const running = this.submit(fn, chunk);
      const counted = (): void => {
        this.itemsDone += chunk.length;
        itemsDone(chunk.length);
      };
      running.then(counted, counted);
      return running;
    });
  }

  /** What `describe` shows of this pool: its state, tasks not yet settled, and items done of those submitted through map/imap. */
  get activity(): { state: PoolState; tasksPending: number; itemsDone: number; itemsSubmitted: number } {
    return { state: this.state, tasksPending: this.outstanding.size, itemsDone: this.itemsDone, itemsSubmitted: this.itemsSubmitted };
  }

  /** One task: a chunk of calls of `fn`. The proxies among the args stay referenced until it settles. */
  private submit(fn: string, calls: unknown[][]): Promise<unknown[]> {
    this.requireRunning();
    if (typeof fn !== 'string') throw new PyTypeError('pool functions are named: pass the name of an export of the pool module');
    const proxies: BaseProxy[] = [];
    // Primitives among the args are served by this process until the task settles (argsTransfer.ts).
    const transfer = new ArgsTransfer('thread', 'a pool worker');
    const task: PoolTask = { fn, calls: describeProxies(calls, proxies, transfer) as unknown[][], hasProxies: false };
    task.hasProxies = proxies.length > 0 || transfer.needsRebuild;
    if (proxies.length > 0) task.credentials = credentialsOf(proxies);
    try {
      // Fail here, clearly, rather than inside the pool's dispatch (ports are checked by the transfer).
      if (transfer.transferList.length === 0) structuredClone(task.calls);
    } catch (error) {
      transfer.end();
      throw notTransferable('the arguments', error);
    }
    const running = transfer.ready().then(() => this.piscina.run(task, { transferList: transfer.transferList })).then(
      (reply) => {
        proxies.length = 0;
        this.retirement?.replied(reply.worker);
        transfer.end();
        if ('error' in reply) throw errorFromMessage(reply.error);
        return reply.values;
      },
      (error: unknown) => {
        proxies.length = 0;
        transfer.end();
        if (this.state === 'terminate') throw new RuntimeError('the pool was terminated before this task finished');
        throw workerFailure(fn, error);
      },
    );
    this.outstanding.add(running);
    const forget = (): boolean => this.outstanding.delete(running);
    running.then(forget, forget);
    return running;
  }

  private requireRunning(): void {
    if (this.state !== 'run') throw new ValueError('Pool not running');
  }

  private destroy(): Promise<void> {
    this.destroying ??= this.piscina.destroy();
    return this.destroying;
  }

  /** Counts the workers' "initialized" messages (sent whether the initializer succeeded or not). */
  private workersInitialized(count: number): Promise<void> {
    return new Promise((resolve) => {
      let pending = count;
      const onMessage = (message: unknown): void => {
        if (typeof message !== 'object' || message === null || !(WORKER_INITIALIZED in message)) return;
        if (--pending > 0) return;
        this.piscina.off('message', onMessage);
        resolve();
      };
      this.piscina.on('message', onMessage);
    });
  }
}

function initializerOf(options: PoolOptions, proxies: BaseProxy[]): PoolWorkerData['initializer'] {
  if (options.initializer === undefined) return undefined;
  // sharedctypes objects travel in the initargs; Pipe ends and primitives without a manager do not.
  const transfer = new ArgsTransfer('thread', "a pool's initializer");
  transfer.onlySelfContained = true;
  const args = describeProxies(options.initargs ?? [], proxies, transfer) as unknown[];
  try {
    structuredClone(args);
  } catch (error) {
    throw notTransferable('the initargs', error);
  }
  return { export: options.initializer, args, hasProxies: proxies.length > 0 || transfer.needsRebuild, credentials: credentialsOf(proxies) };
}

/**
 * A worker that exited (process.exit in a task) or crashed rejects its task with a RuntimeError
 * saying so; piscina has already started a replacement, so the pool serves the other tasks.
 */
function workerFailure(fn: string, error: unknown): Error {
  const exited = error instanceof Error ? /worker exited with code: (-?\d+)/.exec(error.message) : null;
  if (exited !== null) {
    const failure = new RuntimeError(`the pool worker running ${fn}() exited with code ${exited[1]} before replying; the pool replaced it`);
    failure.cause = error;
    return failure;
  }
  return error instanceof Error ? error : new RuntimeError(`a pool worker failed: ${String(error)}`);
}

/** A sibling module of this file, with this file's extension (.ts from source, .js once compiled). */
function siblingUrl(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return pathToFileURL(path.join(path.dirname(here), name + path.extname(here))).href;
}
