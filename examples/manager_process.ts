// The Manager + Process example of Python's docs: a child process changes a Namespace, a list and a
// dict held by a manager's server process; the parent sees the changes.
//   node --import tsx examples/manager_process.ts
import { SyncManager, Process, isMainModule, type DictProxy, type ListProxy, type NamespaceProxy } from '../lib/index.js';

/** Runs in the child process: the proxies arrive connected to the parent's manager. */
export async function f(ns: NamespaceProxy, d: DictProxy<string | number, unknown>, l: ListProxy<number>): Promise<void> {
  await ns.set('name', 'new_name');
  await d.set(1, '1');
  await d.set('2', 2);
  await d.set(0.25, null);
  await l.reverse();
}

if (isMainModule(import.meta.url)) {
  await using manager = new SyncManager();
  await manager.start();

  const ns = await manager.Namespace({ name: 'old_name' });
  const d = await manager.dict<string | number, unknown>();
  const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));

  const p = new Process({ module: import.meta.url, export: 'f', args: [ns, d, l] });
  p.start();
  await p.join();

  console.log(`ns.name: ${String(await ns.get('name'))}`);
  console.log(await l._str()); // [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
  console.log(await d._str()); // {1: '1', '2': 2, 0.25: None}
}
