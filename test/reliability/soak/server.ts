// The soak's server, in its own process (started through `sh -c 'ulimit -n ...'` so that it may hold
// 10,000 sockets). argv[2]: JSON ManagerOptions (limits); the authkey comes from MPM_SOAK_AUTHKEY.
// Prints `listening <address>`; answers IPC `{ type: 'stats', collect? }` (collect: a full GC first, when exposed) with its connection count, object
// count and memory; exits on its own (code 0) once shut down by a client.
import { SyncManager, type ManagerOptions } from '../../../lib/index.js';

let stopped = false;
process.on('disconnect', () => stopped || process.exit(1)); // the soak runner is gone: do not linger
const options = JSON.parse(process.argv[2] ?? '{}') as ManagerOptions;
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: process.env['MPM_SOAK_AUTHKEY'], ...options }).getServer();
console.log(`listening ${JSON.stringify(await server.listen())}`);

process.on('message', (message: { type: string; collect?: boolean }) => {
  if (message.type !== 'stats') return;
  // Asked by the --long soak (which starts this process with --expose-gc): the heap figure is then what is alive.
  if (message.collect === true) (globalThis as { gc?: () => void }).gc?.();
  process.send!({ type: 'stats', connections: server.connectionCount, objects: server.table.entries.size, memory: process.memoryUsage() });
});

await server.serveForever();
stopped = true;
if (process.connected) process.disconnect(); // the IPC channel must not keep this process alive
console.log('stopped');
