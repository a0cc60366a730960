// The file piscina loads in each pool worker thread. It imports nothing of the library itself, and
// decides how the worker loads modules (the library's poolWorker, then the pool's module):
//   - import(), normally (plain Node, or ts-node, whose --loader hooks reach worker threads);
//   - under tsx, require() first: tsx's require hook works in worker threads, but its import hooks
//     do not reach them on Node 20 and cost about half a second per worker to register, so they are
//     registered only for a module that cannot be required (one with top-level await, say).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import createDebug from 'debug';

const log = createDebug('mpmanagers:pool');

type Handler = (task: unknown) => Promise<unknown>;
/** Loads a module by its file URL; resolves to its exports. */
export type ModuleLoader = (url: string) => Promise<Record<string, unknown>>;

async function loadHandler(): Promise<Handler> {
  const load = moduleLoader();
  const worker = (await load((workerData as { workerModule: string }).workerModule)) as {
    startWorker(load: ModuleLoader): Promise<Handler>;
  };
  return worker.startWorker(load);
}

function moduleLoader(): ModuleLoader {
  if (isMainThread || !usesTsx(process.execArgv)) return (url) => import(url) as Promise<Record<string, unknown>>;
  let importHooks: Promise<void> | undefined;
  return async (url) => {
    try {
      return createRequire(url)(fileURLToPath(url)) as Record<string, unknown>;
    } catch (error) {
      log('require(%s) failed (%s): importing it with tsx import hooks', url, (error as Error).message);
      importHooks ??= import('tsx/esm/api').then(({ register }) => void register());
      await importHooks;
      return import(url) as Promise<Record<string, unknown>>;
    }
  };
}

const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/** `--import tsx`, `--import=tsx`, `--loader tsx`, `--require tsx`, and the same with `tsx/esm`. */
function usesTsx(execArgv: readonly string[]): boolean {
  return execArgv.some((flag, i) => {
    const [name, value] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [execArgv[i - 1], flag];
    return name !== undefined && LOADER_FLAGS.has(name) && /^tsx(\/esm)?$/.test(value);
  });
}

export default loadHandler();
