// A Pool served by a manager (`manager.Pool(n, { module })`), under Python's method names. The
// *_async methods return an AsyncResultHost, served as a new shared 'AsyncResult'; imap and
// imap_unordered an IMapIteratorHost, served as a new shared 'IMapIterator'. Freeing the shared pool (its
// last proxy released, or the server shutting down) terminates it.
import createDebug from 'debug';
import { takesCallContext, type CallContext } from '../server/callContext.js';
import { callPolicy } from '../server/callPolicy.js';
import { describeDetails, type ObjectDetails } from '../server/description.js';
import { PermissionError, StopIteration, TypeError as PyTypeError } from '../errors.js';
import { Pool, type PoolOptions } from './pool.js';
import { moduleUrl } from './modules.js';
import type { AsyncResult } from './asyncResult.js';
import type { IMapIterator } from './imapIterator.js';

const log = createDebug('mpmanagers:server');

export class PoolHost {
  constructor(readonly pool: Pool) {}

  /**
   * The SyncManager callable: `Pool(processes?, options)`. Runs only a module the server was
   * configured with (ServerOptions.poolModules); any other is refused with PermissionError.
   */
  static create(this: void, processes: number | null | undefined, options: PoolOptions): PoolHost {
    if (typeof options !== 'object' || options === null) throw new PyTypeError('Pool(n, { module }) needs the module of its functions');
    const url = moduleUrl(options.module);
    if (!callPolicy().poolModules.has(url)) {
      log('refused a Pool of module %s: not in the server\'s poolModules', url);
      throw new PermissionError(`this server does not run pool module '${url}': it is not in its poolModules option`);
    }
    return new PoolHost(new Pool(processes, { ...options, module: url }));
  }

  /** What `describe` (mpmanagers inspect, the dashboard) shows of this pool. */
  [describeDetails](): ObjectDetails {
    return { type: 'pool', processes: this.pool.processes, ...this.pool.activity };
  }

  apply(fn: string, args: unknown[] = []): Promise<unknown> {
    return this.pool.apply(fn, args);
  }
  apply_async(fn: string, args: unknown[] = []): AsyncResultHost {
    return new AsyncResultHost(this.pool.applyAsync(fn, args));
  }
  map(fn: string, items: unknown[], chunksize: number | null = null): Promise<unknown[]> {
    return this.pool.map(fn, items, chunksize);
  }
  map_async(fn: string, items: unknown[], chunksize: number | null = null): AsyncResultHost {
    return new AsyncResultHost(this.pool.mapAsync(fn, items, chunksize));
  }
  starmap(fn: string, items: unknown[][], chunksize: number | null = null): Promise<unknown[]> {
    return this.pool.starmap(fn, items, chunksize);
  }
  starmap_async(fn: string, items: unknown[][], chunksize: number | null = null): AsyncResultHost {
    return new AsyncResultHost(this.pool.starmapAsync(fn, items, chunksize));
  }
  imap(fn: string, items: unknown[], chunksize: number | null = null): IMapIteratorHost {
    return new IMapIteratorHost(this.pool.imap(fn, items, chunksize ?? 1));
  }
  imap_unordered(fn: string, items: unknown[], chunksize: number | null = null): IMapIteratorHost {
    return new IMapIteratorHost(this.pool.imapUnordered(fn, items, chunksize ?? 1));
  }
  close(): void {
    this.pool.close();
  }
  join(): Promise<void> {
    return this.pool.join();
  }
  terminate(): Promise<void> {
    return this.pool.terminate();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.pool.terminate();
  }

  __repr__(): string {
    return this.pool.toString();
  }
}

/** An AsyncResult served to clients; a waiting get/wait ends when the caller cancels or disconnects. */
export class AsyncResultHost {
  static readonly [takesCallContext] = true;

  constructor(readonly result: AsyncResult<unknown>) {}

  get(ctx: CallContext, timeout: number | null = null): Promise<unknown> {
    return this.result.get(timeout, { signal: ctx.signal });
  }
  wait(ctx: CallContext, timeout: number | null = null): Promise<void> {
    return this.result.wait(timeout, { signal: ctx.signal });
  }
  ready(_ctx: CallContext): boolean {
    return this.result.ready();
  }
  successful(_ctx: CallContext): boolean {
    return this.result.successful();
  }
  __repr__(): string {
    return `<AsyncResult ready=${this.result.ready()}>`;
  }
}

/** An imap iterator served to clients: `__next__(timeout)` as CPython's IMapIterator.next. */
export class IMapIteratorHost {
  static readonly [takesCallContext] = true;

  constructor(readonly iterator: IMapIterator<unknown>) {}

  /** The next result; StopIteration after the last, TimeoutError when none is ready within `timeout` s. */
  async __next__(ctx: CallContext, timeout: number | null = null): Promise<unknown> {
    const step = await this.iterator.next(timeout, { signal: ctx.signal });
    if (step.done === true) throw new StopIteration();
    return step.value;
  }
  /** Stops reading (the tasks already submitted still run). */
  async close(_ctx: CallContext): Promise<null> {
    await this.iterator.return();
    return null;
  }
  __repr__(): string {
    return '<IMapIterator>';
  }
}
