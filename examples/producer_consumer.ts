// One producer process and several consumer processes over a managed JoinableQueue of tasks and a
// Queue of results. The producer ends the stream with one STOP (null) per consumer, so every
// consumer shuts down cleanly; the parent waits on the JoinableQueue, then collects the results.
//   node --import tsx examples/producer_consumer.ts [consumers] [tasks]
import { SyncManager, Process, isMainModule, type QueueProxy } from '../lib/index.js';

interface Task {
  op: 'mul' | 'plus';
  a: number;
  b: number;
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function producer(tasks: QueueProxy<Task | null>, count: number, consumers: number): Promise<void> {
  for (let i = 0; i < count; i++) await tasks.put({ op: i % 2 === 0 ? 'mul' : 'plus', a: i, b: 7 });
  for (let i = 0; i < consumers; i++) await tasks.put(null); // one STOP for each consumer
}

export async function consumer(name: string, tasks: QueueProxy<Task | null>, results: QueueProxy<string>): Promise<void> {
  for (;;) {
    const task = await tasks.get();
    try {
      if (task === null) return; // STOP: this consumer is done
      await sleep(Math.random() * 0.1); // some work
      const value = task.op === 'mul' ? task.a * task.b : task.a + task.b;
      await results.put(`${name} says that ${task.op}(${task.a}, ${task.b}) = ${value}`);
    } finally {
      await tasks.taskDone();
    }
  }
}

if (isMainModule(import.meta.url)) {
  const consumerCount = Number(process.argv[2] ?? 4);
  const taskCount = Number(process.argv[3] ?? 20);
  await using manager = new SyncManager();
  await manager.start();
  const tasks = await manager.JoinableQueue<Task | null>();
  const results = await manager.Queue<string>();

  const consumers = Array.from(
    { length: consumerCount },
    (_, i) => new Process({ module: import.meta.url, export: 'consumer', args: [`Consumer-${i + 1}`, tasks, results] }),
  );
  const producerProcess = new Process({ module: import.meta.url, export: 'producer', args: [tasks, taskCount, consumerCount] });
  for (const p of [producerProcess, ...consumers]) p.start();

  await tasks.join(); // every task and every STOP has been taken and marked done
  for (let i = 0; i < taskCount; i++) console.log(await results.get());
  const codes = await Promise.all([producerProcess, ...consumers].map((p) => p.join()));
  console.log(`producer and ${consumerCount} consumers exited with codes ${codes.join(', ')}`);
}
