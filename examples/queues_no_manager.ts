// A producer process and a consumer process share a JoinableQueue of tasks and a Queue of results,
// with no manager: as in Python, the queues are made here and passed to the processes, and this
// process serves them (over a private Unix socket, from the first child until the last one exits).
// The parent waits until every task is done, joins both children, then drains the results.
//   npm run example:queues-no-manager
import { JoinableQueue, Process, Queue, isMainModule, type QueueProxy } from '../lib/index.js';

const STOP = null;

export async function producer(tasks: QueueProxy<number | null>, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await tasks.put(n);
  await tasks.put(STOP);
}

export async function consumer(tasks: QueueProxy<number | null>, results: QueueProxy<string>): Promise<void> {
  for (;;) {
    const n = await tasks.get();
    try {
      if (n === STOP) return;
      await results.put(`${n} squared is ${n * n}`);
    } finally {
      await tasks.taskDone();
    }
  }
}

if (isMainModule(import.meta.url)) {
  const count = Number(process.argv[2] ?? 10);
  const tasks = new JoinableQueue<number | null>();
  const results = new Queue<string>();
  const processes = [
    new Process({ module: import.meta.url, export: 'producer', args: [tasks, count], name: 'producer' }),
    new Process({ module: import.meta.url, export: 'consumer', args: [tasks, results], name: 'consumer' }),
  ];
  for (const p of processes) p.start();
  await tasks.join(); // this process's own JoinableQueue: every task (and the STOP) is marked done
  const codes = await Promise.all(processes.map((p) => p.join()));
  while (!results.empty()) console.log(await results.get());
  console.log(`producer and consumer exited with codes ${codes.join(', ')}; ${results.qsize()} results left`);
}
