// The trio's objects kept in Redis: a RedisManager opens them by name, so the producer and the
// consumer (unchanged) share them with no manager server at all. `get_double` was a service running
// in the server process; with Redis there is none, so `double(n)` runs in the caller.
import { RedisManager } from '../lib/index.js';
import type { TrioManager, DoublerProxy } from './queue_common.js';

export async function connectRedisTrio(url: string): Promise<TrioManager> {
  const manager = new RedisManager({ url });
  await manager.connect();
  const trio = manager.named('trio');
  const named = (part: string): ReturnType<RedisManager['named']> => manager.named(`trio.${part}`);
  const client = {
    get_task_queue: () => named('tasks').Queue(10),
    get_result_queue: () => named('results').Queue(20),
    get_condition: () => trio.Condition(),
    get_done: () => named('done').Value('i', 0),
    get_double: async () => ({ double: async (n: number) => n * 2 }) as unknown as DoublerProxy,
    [Symbol.asyncDispose]: () => manager.close(),
  };
  return client as unknown as TrioManager;
}
