// An ES module using the installed package: a SyncManager started in its own process, a list, a
// dict, a Queue and a Lock, proxies passed to a Process whose module is plain JavaScript, a Pool.
import assert from 'node:assert/strict';
import { SyncManager, Process, Pool, ListProxy } from 'mpmanagers';

const work = new URL('./work.mjs', import.meta.url);
const manager = new SyncManager({ poolModules: [work.href] }); // the server runs only the Pool modules it is given
await manager.start();
const list = await manager.list([1]);
const dict = await manager.dict();
const queue = await manager.Queue();
const lock = await manager.Lock();
assert.ok(list instanceof ListProxy);

await dict.set('answer', 42);
assert.equal(await dict.get('answer'), 42);

const child = new Process({ module: work, export: 'fromChild', args: [list, queue, lock] });
child.start();
await child.join();
assert.equal(child.exitCode, 0);
assert.equal(await queue.get(true, 5), child.pid);
assert.deepEqual(await list._getValue(), [1, 'from a child']);

const pool = new Pool(2, { module: work });
assert.deepEqual(await pool.map('square', [1, 2, 3, 4]), [1, 4, 9, 16]);
pool.close();
await pool.join();

const served = await manager.Pool(2, { module: work.href });
assert.deepEqual(await served.map('square', [5, 6]), [25, 36]);

await manager.shutdown();
assert.equal(manager._process.exitCode, 0);

const { SharedListManager } = await import('./managers.mjs');
const own = new SharedListManager();
await own.start({ module: new URL('./managers.mjs', import.meta.url), export: 'SharedListManager' });
assert.deepEqual(await (await own.shared_list())._getValue(), ['from a JavaScript manager class']);
await own.shutdown();
console.log('ESM consumer: ok');
