// Entry script of a Process (see process.ts): imports the target, rebuilds the proxies among its
// args, runs it, closes its manager connections (so the servers' refcounts return) and exits: 0, or
// 1 with the error's stack on stderr if the target threw. It exits too when the parent dies.
import { defaultAuthkey } from '../manager/authkey.js';
import { importFunction } from './modules.js';
import { exitWhenParentDies, firstMessage } from './childRuntime.js';
import { ProxyConnections } from './proxyConnections.js';
import type { ProcessStartMessage } from './process.js';

exitWhenParentDies();

const start = await firstMessage<ProcessStartMessage>();
const connections = new ProxyConnections(defaultAuthkey(), start.credentials);
let exitCode = 0;
try {
  const target = await importFunction(start.module, start.export);
  await target(...((await connections.rebuild(start.args)) as unknown[]));
} catch (error) {
  // As Python prints "Process <name>:" and the traceback.
  process.stderr.write(`Process ${start.name}:\n${describeError(error)}\n`);
  exitCode = 1;
}
await connections.closeAll();
process.exit(exitCode);

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${String(error)}`;
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return error.cause instanceof Error ? `${stack}\nCaused by: ${error.cause.stack ?? error.cause.message}` : stack;
}
