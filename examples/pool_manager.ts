// A pool of worker threads hosted by a manager's server process, used by two client processes at
// once through the PoolProxy each receives.
//   node --import tsx examples/pool_manager.ts
import { SyncManager, Process, isMainModule, type PoolProxy } from '../lib/index.js';

/** What the pool runs: named exports of this module, imported by each worker. */
export function square(x: number): number {
  return x * x;
}

export async function slowSquare(x: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return x * x;
}

/** A client process: uses the shared pool in each of its forms. */
export async function client(name: string, pool: PoolProxy, first: number): Promise<void> {
  const numbers = Array.from({ length: 5 }, (_, i) => first + i);
  console.log(`${name}: map(square, [${numbers}]) = [${await pool.map<number>('square', numbers)}]`);
  const result = await pool.applyAsync<number>('slowSquare', [first]);
  console.log(`${name}: applyAsync(slowSquare, [${first}]).get() = ${await result.get(10)}`);
  const inOrder: number[] = [];
  for await (const value of await pool.imap<number>('slowSquare', numbers)) inOrder.push(value);
  console.log(`${name}: imap(slowSquare) = [${inOrder}]`);
}

if (isMainModule(import.meta.url)) {
  // The server runs only the pool modules it is given (poolModules): here, this file.
  await using manager = new SyncManager({ poolModules: [import.meta.url] });
  await manager.start();
  const pool = await manager.Pool(2, { module: import.meta.url });

  const clients = [
    new Process({ module: import.meta.url, export: 'client', args: ['client A', pool, 1] }),
    new Process({ module: import.meta.url, export: 'client', args: ['client B', pool, 100] }),
  ];
  for (const p of clients) p.start();
  const codes = await Promise.all(clients.map((p) => p.join()));
  console.log(`client exit codes: ${codes.join(', ')}`);

  await pool.close();
  await pool.join();
}
