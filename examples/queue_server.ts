// The server of the distributed producer/consumer trio: it shares a task queue (maxsize 10), a
// result queue (maxsize 20), a Condition the producer waits on while the task queue is full, a
// `done` counter (Value('i', 0)) and a `get_double` service whose `double(n)` runs here.
//   node --import tsx examples/queue_server.ts [port | host:port]
// (default 127.0.0.1:50000, or $TRIO_ADDRESS; authkey $TRIO_AUTHKEY, default 'trio-secret';
// $TRIO_SERIALIZER=pickle serves CPython clients, see examples/python/)
import { Queue, Condition, Value } from '../lib/index.js';
import { TrioManager, TRIO_AUTHKEY, TRIO_SERIALIZER, trioAddress, type Result, type Task } from './queue_common.js';

/** The service behind `get_double`: one instance, shared by every client. */
class Doubler {
  double(n: number): number {
    return n * 2;
  }
}

const taskQueue = new Queue<Task>(10);
const resultQueue = new Queue<Result>(20);
const condition = new Condition();
const done = new Value('i', 0);
const doubler = new Doubler();

// The server side of the same typeids the clients registered: now with the objects to share.
class TrioServerManager extends TrioManager {}
TrioServerManager.register('get_task_queue', { callable: () => taskQueue });
TrioServerManager.register('get_result_queue', { callable: () => resultQueue });
TrioServerManager.register('get_condition', { callable: () => condition });
TrioServerManager.register('get_done', { callable: () => done });
TrioServerManager.register('get_double', { callable: () => doubler });

const server = new TrioServerManager({ address: trioAddress(), authkey: TRIO_AUTHKEY, serializer: TRIO_SERIALIZER }).getServer();
const [host, port] = (await server.listen()) as [string, number];
console.log(`serving on ${host}:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
await server.serveForever();
console.log(`server stopped: ${done.get() as number} task(s) done, ${taskQueue.qsize()} task(s) and ${resultQueue.qsize()} result(s) left`);
