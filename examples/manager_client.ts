// The classic manager client: connects, prints the shared list, appends 'new_value', prints it again.
//   node --import tsx examples/manager_client.ts [port]      (default port 50000)
import { BaseManager, type ListProxy } from '../lib/index.js';

class RemoteManager extends BaseManager {
  declare get_list: () => Promise<ListProxy<string>>;
}
RemoteManager.register('get_list');

const port = Number(process.argv[2] ?? 50000);
await using manager = new RemoteManager({ address: ['127.0.0.1', port], authkey: 'python' });
await manager.connect();
const list = await manager.get_list();
console.log(await list._getValue());
await list.append('new_value');
console.log(await list._getValue());
