// The same package from CommonJS: Node 20.19+ loads the ES module entry with require() (require(esm)).
const assert = require('node:assert/strict');
const { SyncManager, Process } = require('mpmanagers');
const path = require('node:path');

async function main() {
  const manager = new SyncManager();
  await manager.start();
  const list = await manager.list(['a']);
  const queue = await manager.Queue();
  const lock = await manager.Lock();
  const child = new Process({ module: path.join(__dirname, 'work.mjs'), export: 'fromChild', args: [list, queue, lock] });
  child.start();
  await child.join();
  assert.equal(child.exitCode, 0);
  assert.deepEqual(await list._getValue(), ['a', 'from a child']);
  await manager.shutdown();
  console.log('CommonJS consumer: ok');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
