// One pool worker thread (started by poolBootstrap): imports the pool's module, runs the
// initializer, then runs tasks — a chunk of calls of one named export, one call at a time — and
// replies with their values, or with the first error, described so that it keeps its class and stack.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import createDebug from 'debug';
import { AttributeError, TypeError as PyTypeError } from '../errors.js';
import type { BaseProxy } from '../proxies/base.js';
import type { ProxyConnections } from './proxyConnections.js';
import type * as ConnectionsModule from './proxyConnections.js';
import type { ModuleLoader } from './poolBootstrap.js';
import { errorMessage } from './errorTransfer.js';
import { WORKER_INITIALIZED, type PoolReply, type PoolTask, type PoolWorkerData } from './poolTasks.js';

const log = createDebug('mpmanagers:pool');

/**
 * Loads the pool's module (with `load`, see poolBootstrap) and runs the initializer; resolves to the
 * task handler piscina calls.
 */
export async function startWorker(load: ModuleLoader): Promise<(task: PoolTask) => Promise<PoolReply>> {
  const data = workerData as PoolWorkerData;
  // Made on first need (it loads the whole client side), then kept for the worker's lifetime: the
  // initializer may keep the proxies it was given.
  let connecting: Promise<ProxyConnections> | undefined;
  const connections = (): Promise<ProxyConnections> =>
    (connecting ??= load(data.connectionsModule).then((module) => new (module as typeof ConnectionsModule).ProxyConnections(data.authkey)));
  let exports: Record<string, unknown> = {};
  let startError: unknown;
  try {
    exports = await load(data.module);
    if (data.initializer !== undefined) {
      const initializer = functionOf(exports, data.module, data.initializer.export);
      const { args, hasProxies, credentials } = data.initializer;
      if (hasProxies) (await connections()).learn(credentials);
      await initializer(...(hasProxies ? ((await (await connections()).rebuild(args)) as unknown[]) : args));
    }
  } catch (error) {
    log('pool worker could not start: %O', error);
    startError = error; // every task reports it
  }
  parentPort?.postMessage({ [WORKER_INITIALIZED]: startError === undefined });

  return async function runTask(task: PoolTask): Promise<PoolReply> {
    if (startError !== undefined) return { error: errorMessage(startError), worker: threadId };
    const made: BaseProxy[] = [];
    try {
      const fn = functionOf(exports, data.module, task.fn);
      if (task.credentials !== undefined) (await connections()).learn(task.credentials);
      const calls = task.hasProxies ? ((await (await connections()).rebuild(task.calls, made)) as unknown[][]) : task.calls;
      const values: unknown[] = [];
      for (const args of calls) values.push(await fn(...args));
      checkTransferable(values, task.fn);
      return { values, worker: threadId };
    } catch (error) {
      return { error: errorMessage(error), worker: threadId };
    } finally {
      for (const proxy of made) proxy._release().catch((error: unknown) => log('releasing %s failed: %O', proxy._describe(), error));
    }
  };
}

/** A result the thread boundary cannot carry would crash the worker as it replies: refuse it here. */
function checkTransferable(values: unknown[], fn: string): void {
  try {
    structuredClone(values);
  } catch (error) {
    throw new PyTypeError(`the result of ${fn}() cannot be sent back from the worker: ${(error as Error).message}`);
  }
}

function functionOf(exports: Record<string, unknown>, module: string, name: string): (...args: unknown[]) => unknown {
  const fn = exports[name];
  if (typeof fn !== 'function') throw new AttributeError(`module '${module}' has no exported function '${name}'`);
  return fn as (...args: unknown[]) => unknown;
}
