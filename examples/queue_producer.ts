// The producer of the distributed trio: delivers 20 random tasks to the server's task queue. While
// the queue is full (10 tasks) it waits on the shared Condition, which a consumer notifies each time
// it has finished a task.
//   node --import tsx examples/queue_producer.ts [port | host:port]
import { TASK_COUNT, connectTrio } from './queue_common.js';

await using manager = await connectTrio();
const tasks = await manager.get_task_queue();
const condition = await manager.get_condition();

for (let id = 0; id < TASK_COUNT; id++) {
  const task = { id, n: Math.floor(Math.random() * 100) };
  await condition.withAcquired(async () => {
    // Checked under the lock: a consumer notifies while holding it, so no wake-up is missed.
    while (await tasks.full()) {
      console.log(`task queue full; producer waits`);
      await condition.wait();
    }
    await tasks.put(task);
  });
  console.log(`put task ${task.id}: ${task.n}`);
}
console.log(`producer done: ${TASK_COUNT} tasks delivered`);
