// Entry script of a Process (see process.ts): imports the target, rebuilds the proxies among its
// args, runs it, closes its manager connections (so the servers' refcounts return) and exits: 0, or
// 1 with the error's stack on stderr if the target threw. It exits too when the parent dies.
// The code that rebuilds proxies (a manager client, the codec: most of the library) is loaded only
// when the args hold something to rebuild, so a Process with plain args starts in little more than
// Node's own boot (the target's module loads what it uses itself).
import { defaultAuthkey } from '../manager/authkey.js';
import { importFunction } from './modules.js';
import { exitWhenParentDies, firstMessage } from './childRuntime.js';
import { holdsDescriptor } from './descriptorKeys.js';
import type { ProcessStartMessage } from './process.js';

exitWhenParentDies();

const start = await firstMessage<ProcessStartMessage>();
const connections =
  start.credentials.length > 0 || holdsDescriptor(start.args)
    ? new (await import('./proxyConnections.js')).ProxyConnections(defaultAuthkey(), start.credentials)
    : undefined;
let exitCode = 0;
try {
  const target = await importFunction(start.module, start.export);
  await target(...((connections === undefined ? start.args : await connections.rebuild(start.args)) as unknown[]));
} catch (error) {
  // As Python prints "Process <name>:" and the traceback.
  process.stderr.write(`Process ${start.name}:\n${describeError(error)}\n`);
  exitCode = 1;
}
await connections?.closeAll();
process.exit(exitCode);

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${String(error)}`;
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return error.cause instanceof Error ? `${stack}\nCaused by: ${error.cause.stack ?? error.cause.message}` : stack;
}
