# The producer of the distributed trio, in Python: 20 random tasks into the mpmanagers server's task
# queue, waiting on the shared Condition while the queue is full.
#   TRIO_AUTHKEY=... python3 examples/python/queue_producer.py host:port
import random

from trio_common import TASK_COUNT, connect_trio

manager = connect_trio()
tasks = manager.get_task_queue()
condition = manager.get_condition()

for task_id in range(TASK_COUNT):
    task = {'id': task_id, 'n': random.randrange(100)}
    with condition:
        while tasks.full():
            print('task queue full; producer waits', flush=True)
            condition.wait()
        tasks.put(task)
    print(f"put task {task['id']}: {task['n']}", flush=True)
print(f'producer done: {TASK_COUNT} tasks delivered', flush=True)
