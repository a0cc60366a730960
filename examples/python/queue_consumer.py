# The consumer of the distributed trio, in Python: takes tasks, has the mpmanagers server double them
# (get_double), puts results, counts them in `done` and notifies the producer. The consumer that
# finishes the last task prints every result.
#   TRIO_AUTHKEY=... python3 examples/python/queue_consumer.py host:port
import queue
import time

from trio_common import TASK_COUNT, connect_trio

manager = connect_trio()
tasks = manager.get_task_queue()
results = manager.get_result_queue()
condition = manager.get_condition()
done = manager.get_done()
doubler = manager.get_double()

finished_last = False
while True:
    try:
        task = tasks.get(True, 0.5)
    except queue.Empty:
        if done.value >= TASK_COUNT:
            break
        continue
    time.sleep(0.05)  # some work, so that the producer gets ahead and fills the task queue
    doubled = doubler.double(task['n'])
    results.put({**task, 'doubled': doubled})
    print(f"task {task['id']}: {task['n']} doubled is {doubled}", flush=True)
    with condition:
        done.value += 1
        count = done.value
        condition.notify_all()
    if count == TASK_COUNT:
        finished_last = True
        break

if finished_last:
    collected = []
    while not results.empty():
        collected.append(results.get())
    collected.sort(key=lambda r: r['id'])
    print(f'all {TASK_COUNT} tasks done; the results:', flush=True)
    for r in collected:
        print(f"result {r['id']}: {r['n']} * 2 = {r['doubled']}", flush=True)
