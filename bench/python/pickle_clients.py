"""A stock CPython manager client, for the pickle-mode row: the same client measured against the
mpmanagers server in pickle mode and against a CPython server, in the same run.

    python3 bench/python/pickle_clients.py JOB HOST PORT AUTHKEY DURATION

JOB: 'seq' (one thread: shared-dict set + get, one after the other), 'threads16' (16 threads doing
the same on the shared dict, each thread with its own connection, as CPython proxies make them),
'queue' (a producer thread and a consumer thread over the shared queue: items per second).
Prints one JSON line {"ops", "seconds", "rate"}.
"""
import json
import sys
import threading
import time
from multiprocessing.managers import DictProxy, SyncManager


class BenchManager(SyncManager):
    pass


BenchManager.register('get_dict', proxytype=DictProxy)
BenchManager.register('get_queue')


def calls(d, key, deadline, counts, slot):
    n = 0
    while time.perf_counter() < deadline:
        d[key] = n
        d.get(key)
        n += 2
    counts[slot] = n


def main():
    job, host, port, authkey, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode(), float(sys.argv[5])
    manager = BenchManager((host, port), authkey=authkey)
    manager.connect()
    d = manager.get_dict()
    d['warm'] = 0  # the first call opens this thread's connection
    threads = 16 if job == 'threads16' else 1
    counts = [0] * threads
    if job == 'queue':
        q = manager.get_queue()
        stop = threading.Event()

        def produce():
            i = 0
            while not stop.is_set():
                q.put(i)
                i += 1

        started = time.perf_counter()
        producer = threading.Thread(target=produce)
        producer.start()
        deadline = started + duration
        got = 0
        while time.perf_counter() < deadline:
            q.get()
            got += 1
        # The rate is items consumed inside the window; the drain below only empties the queue for
        # the next job (timing it, uncounted, charged a server for the producer's lead).
        seconds = time.perf_counter() - started
        stop.set()
        producer.join()
        while not q.empty():
            q.get()
        print(json.dumps({'ops': got, 'seconds': seconds, 'rate': got / seconds}))
        return
    started = time.perf_counter()
    deadline = started + duration
    workers = [threading.Thread(target=calls, args=(d, 'k%d' % i, deadline, counts, i)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    print(json.dumps({'ops': sum(counts), 'seconds': seconds, 'rate': sum(counts) / seconds}))


if __name__ == '__main__':
    main()
