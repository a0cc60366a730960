// The classic manager server: shares one list with any client that knows the authkey.
//   node --import tsx examples/manager_server.ts [port]      (default port 50000; 0 = any)
import { BaseManager } from '../lib/index.js';

const sharedList: unknown[] = [];

class RemoteManager extends BaseManager {}
RemoteManager.register('get_list', { callable: () => sharedList });

const port = Number(process.argv[2] ?? 50000);
const manager = new RemoteManager({ address: ['127.0.0.1', port], authkey: 'python' });
const server = manager.getServer();
const address = await server.listen();
console.log(`serving on ${address[0]}:${address[1]}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
await server.serveForever();
console.log(`server stopped; the list was ${JSON.stringify(sharedList)}`);
