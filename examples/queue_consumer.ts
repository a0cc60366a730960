// The consumer of the distributed trio: takes tasks, has the server double them (`get_double`),
// puts the results on the result queue, counts them in `done` and notifies the producer (which may
// be waiting for room in the task queue). When all 20 tasks are done it prints the results. Several
// consumers may run at once: the one that finishes the last task prints them all.
//   node --import tsx examples/queue_consumer.ts [port | host:port]
import { setTimeout } from 'node:timers/promises';
import { Empty } from '../lib/index.js';
import { TASK_COUNT, connectTrio, type Result, type Task } from './queue_common.js';

/** Simulated work per task, in milliseconds. */
const WORK_MS = 50;

await using manager = await connectTrio();
const tasks = await manager.get_task_queue();
const results = await manager.get_result_queue();
const condition = await manager.get_condition();
const done = await manager.get_done();
const doubler = await manager.get_double();

let finishedLast = false;
for (;;) {
  let task: Task;
  try {
    task = await tasks.get(true, 0.5);
  } catch (error) {
    if (!(error instanceof Empty)) throw error;
    // Nothing to do for now: stop once every task is done (by us or another consumer).
    if ((await done.get()) >= TASK_COUNT) break;
    continue;
  }
  await setTimeout(WORK_MS); // some work, so that the producer gets ahead and fills the task queue
  const doubled = await doubler.double(task.n);
  await results.put({ ...task, doubled });
  console.log(`task ${task.id}: ${task.n} doubled is ${doubled}`);
  const count = await condition.withAcquired(async () => {
    const count = (await done.get()) + 1;
    await done.set(count);
    await condition.notifyAll();
    return count;
  });
  if (count === TASK_COUNT) {
    finishedLast = true;
    break;
  }
}

if (finishedLast) {
  const collected: Result[] = [];
  while (!(await results.empty())) collected.push(await results.get());
  collected.sort((a, b) => a.id - b.id);
  console.log(`all ${TASK_COUNT} tasks done; the results:`);
  for (const { id, n, doubled } of collected) console.log(`result ${id}: ${n} * 2 = ${doubled}`);
}
