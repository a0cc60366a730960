// Code another process or thread must run is named, never shipped (as pickle names a function by its
// module): a module, given as a path or a file URL, and the name of one of its exports.
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import createDebug from 'debug';
import { AttributeError, TypeError as PyTypeError } from '../errors.js';

const log = createDebug('mpmanagers:process');

/** Something a module can be named by: a path (relative paths resolve against the cwd) or a file URL. */
export type ModuleName = string | URL;

/** The file URL of `module`, which another process can import whatever its cwd. */
export function moduleUrl(module: ModuleName): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new PyTypeError(`module must be a file URL or a path, not '${module.href}'`);
    return module.href;
  }
  if (typeof module !== 'string' || module === '') throw new PyTypeError('module must be a path or a file URL (a non-empty string or URL)');
  if (module.startsWith('file:')) return new URL(module).href;
  return pathToFileURL(path.resolve(module)).href;
}

/** Imports the module at `url` and returns its export `name`, which must be a function. */
export async function importFunction(url: string, name: string): Promise<(...args: any[]) => unknown> {
  const namespace = (await import(url)) as Record<string, unknown>;
  const value = namespace[name];
  if (typeof value !== 'function') throw new AttributeError(`module '${url}' has no exported function '${name}'`);
  return value as (...args: any[]) => unknown;
}

/**
 * True when the module whose `import.meta.url` is given is the program's entry script, in its main
 * thread: Python's `if __name__ == '__main__'`. A child process, or a pool worker, that imports the
 * same module to find a function gets false, so the module's main code does not run again there.
 */
export function isMainModule(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!isMainThread || entry === undefined) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(path.resolve(entry));
  } catch (error) {
    log('isMainModule(%s): %s', importMetaUrl, (error as Error).message);
    return false; // not a file URL, or the entry script is not a file: not the entry module
  }
}
