// Entry script of a manager's server process (see managerProcess.ts): builds the manager class's
// server, runs the initializer, serves until asked to stop (by the parent, or by a client's
// `shutdown()`), then exits 0. It exits too when the parent dies.
import createDebug from 'debug';
import type { Server } from '../server/server.js';
import { BaseManager, type ManagerOptions } from '../manager/baseManager.js';
import { SyncManager } from '../manager/syncManager.js';
import { defaultAuthkey } from '../manager/authkey.js';
import { TypeError as PyTypeError } from '../errors.js';
import { importFunction } from './modules.js';
import { exitWhenParentDies, firstMessage, sendToParent } from './childRuntime.js';
import { holdsDescriptor } from './descriptorKeys.js';
import { errorMessage } from './errorTransfer.js';
import type { ManagerChildMessage, ManagerParentMessage, ManagerSpec, ManagerStartMessage } from './managerProcess.js';

const log = createDebug('mpmanagers:process');

let server: Server | undefined;
exitWhenParentDies(async () => server?.close());
// As CPython's manager process: Ctrl-C in the terminal reaches the whole process group, but the
// parent decides when its server stops.
process.on('SIGINT', () => log('manager process %d: SIGINT ignored', process.pid));

const start = await firstMessage<ManagerStartMessage>();
// The code that rebuilds proxies (a client, Pipe ends...) loads only for initargs that hold some.
const initializer = start.initializer;
const connections =
  initializer !== undefined && (initializer.credentials.length > 0 || holdsDescriptor(initializer.args))
    ? new (await import('./proxyConnections.js')).ProxyConnections(defaultAuthkey(), initializer.credentials)
    : undefined;
let exitCode = 0;
try {
  const ManagerClass = await managerClass(start.manager);
  if (initializer !== undefined) {
    const run = await importFunction(initializer.module, initializer.export);
    await run(...((connections === undefined ? initializer.args : await connections.rebuild(initializer.args)) as unknown[]));
  }
  const serving = new ManagerClass(start.options).getServer();
  server = serving;
  await serving.listen();
  process.on('message', (message: ManagerParentMessage) => {
    if (message.kind === 'shutdown') void serving.close();
  });
  await sendToParent({ kind: 'ready', address: serving.address! } satisfies ManagerChildMessage);
  await serving.serveForever();
  log('manager process %d: server stopped', process.pid);
} catch (error) {
  await sendToParent({ kind: 'failed', error: errorMessage(error) } satisfies ManagerChildMessage);
  exitCode = 1;
}
await connections?.closeAll();
process.exit(exitCode);

async function managerClass(spec: ManagerSpec): Promise<new (options: ManagerOptions) => BaseManager> {
  if ('builtin' in spec) return spec.builtin === 'SyncManager' ? SyncManager : BaseManager;
  const namespace = (await import(spec.module)) as Record<string, unknown>;
  const exported = namespace[spec.export];
  // Duck-typed: the module may reach this library by another specifier (another module instance).
  if (typeof exported !== 'function' || typeof (exported.prototype as { getServer?: unknown } | undefined)?.getServer !== 'function') {
    throw new PyTypeError(`export '${spec.export}' of '${spec.module}' is not a manager class`);
  }
  return exported as unknown as new (options: ManagerOptions) => BaseManager;
}
