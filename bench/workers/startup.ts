// One start-up measurement in a fresh process: `node startup.js <manager|process|pool> <library URL>
// <work module URL>` prints {"ms": ...}, the time from the library being loaded to the first result:
//   manager — `await new SyncManager().start()` (a server process, connected to);
//   process — a Process running one function of the work module, started and joined;
//   pool    — `new Pool(2)` over the work module and a first `map`.
// The library is loaded before the clock starts, as CPython's own modules are (bench/python/startup.py).
const [what, libraryUrl, workUrl] = process.argv.slice(2);
const library = (await import(libraryUrl)) as typeof import('../../lib/index.js');

const started = performance.now();
let elapsed: number;
if (what === 'manager') {
  const manager = new library.SyncManager();
  await manager.start();
  elapsed = performance.now() - started;
  await manager.shutdown();
} else if (what === 'process') {
  const child = new library.Process({ module: workUrl, export: 'nothing' });
  child.start();
  await child.join();
  elapsed = performance.now() - started;
  if (child.exitCode !== 0) throw new Error(`the process exited with ${child.exitCode}`);
} else if (what === 'pool') {
  const pool = new library.Pool(2, { module: workUrl });
  const squares = await pool.map<number>('square', [1, 2, 3, 4]);
  elapsed = performance.now() - started;
  if (squares.join() !== '1,4,9,16') throw new Error(`unexpected map result ${squares.join()}`);
  await pool.terminate();
} else {
  throw new Error(`usage: startup <manager|process|pool> <library URL> <work module URL>, not ${what}`);
}
console.log(JSON.stringify({ ms: elapsed }));
