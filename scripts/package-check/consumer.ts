// A strict TypeScript consumer, type-checked (not run) against the declarations the package ships.
import { BaseManager, SyncManager, Process, Pool, type ListProxy, type DictProxy, type QueueProxy, type AcquirerProxy } from 'mpmanagers';

class RemoteManager extends BaseManager {
  declare get_list: () => Promise<ListProxy<string>>; // Python's dynamic method, typed
}
RemoteManager.register('get_list');

export async function client(): Promise<string[]> {
  await using manager = new RemoteManager({ address: ['127.0.0.1', 50000], authkey: 'python' });
  await manager.connect();
  const list = await manager.get_list();
  await list.append('new_value');
  const first: string = await list.get(0);
  // @ts-expect-error a ListProxy<string> takes strings only
  await list.append(1);
  return [first];
}

export async function sync(): Promise<void> {
  const manager = new SyncManager();
  await manager.start();
  const names: ListProxy<string> = await manager.list(['a']);
  const counts: DictProxy<string, number> = await manager.dict<string, number>();
  const queue: QueueProxy<number> = await manager.Queue<number>();
  const lock: AcquirerProxy = await manager.Lock();
  await counts.set(await names.pop(), 1);
  await queue.put(1);
  await lock.acquire();
  await lock.release();
  const child = new Process({ module: new URL('./work.mjs', import.meta.url), export: 'fromChild', args: [names, queue, lock] });
  child.start();
  await child.join();
  const pool = new Pool(2, { module: new URL('./work.mjs', import.meta.url) });
  const squares: number[] = await pool.map<number>('square', [1, 2]);
  void squares;
  await pool.terminate();
  await manager.shutdown();
}
