// TypeScript user code under tsx, with the installed (JavaScript) package: the children carry the
// loader because the modules they import are TypeScript.
import assert from 'node:assert/strict';
import { SyncManager, Process, Pool, isMainModule } from 'mpmanagers';
import { GreetingManager } from './work.ts';

if (isMainModule(import.meta.url)) {
  const work = new URL('./work.ts', import.meta.url);
  const manager = new SyncManager();
  await manager.start();
  const list = await manager.list<string>();
  const child = new Process({ module: work, export: 'appendFromChild', args: [list] });
  child.start();
  await child.join();
  assert.equal(child.exitCode, 0);
  assert.deepEqual(await list._getValue(), [`typed child ${child.pid}`]);

  // The loader goes to a child that imports TypeScript, and only to it.
  const flags = await manager.list<string>();
  for (const module of [work, new URL('./work.mjs', import.meta.url)]) {
    const reporter = new Process({ module, export: 'reportFlags', args: [flags] });
    reporter.start();
    await reporter.join();
  }
  const [withTs, withJs] = await flags._getValue();
  assert.match(withTs, /tsx/);
  assert.doesNotMatch(withJs, /tsx/);

  const pool = new Pool(2, { module: work });
  assert.deepEqual(await pool.map<number>('cube', [1, 2, 3]), [1, 8, 27]);
  await pool.terminate();
  await manager.shutdown();

  const greeter = new GreetingManager();
  await greeter.start({ module: work, export: 'GreetingManager' });
  assert.deepEqual(await (await greeter.greetings())._getValue(), ['hello']);
  await greeter.shutdown();
  console.log('TypeScript consumer under tsx: ok');
}
