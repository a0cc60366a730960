"""The CPython clients of the benchmark: stock multiprocessing.managers proxies (Python 3.11).

    python3 bench/python/bench_client.py

Prints {"ready": true}, then runs the jobs it is sent on stdin, one JSON command per line
({"id", "op", "params"}), answering each with one JSON line ({"id", "ok", "result" | "error"}).
Jobs that need several client processes fork them (multiprocessing, 'fork' context), so that
starting 64 clients costs no interpreter start-ups. Every job mirrors one in bench/workers/mpJobs.ts.

Common params: address ([host, port] or a Unix path), authkey, warmup and duration (seconds),
startAt (epoch seconds: when the measured window opens, so that many processes start together).
"""
import json
import multiprocessing
import os
import socket
import sys
import threading
import time
from multiprocessing.connection import Client
from multiprocessing.managers import DictProxy, SyncManager, dispatch


class BenchManager(SyncManager):
    pass


BenchManager.register('get_dict', proxytype=DictProxy)
BenchManager.register('get_blobs', proxytype=DictProxy)
BenchManager.register('get_big_dict', proxytype=DictProxy)
BenchManager.register('get_queue')

fork = multiprocessing.get_context('fork')
# multiprocessing.managers.Server's Listener(address, backlog=16)
LISTEN_BACKLOG = 16


def main():
    reply({'ready': True})
    idle = IdleClients()
    jobs = {
        'dict_seq': dict_seq,
        'dict_threads': dict_threads,
        'aggregate': aggregate,
        'queue': queue_job,
        'lock_seq': lock_seq,
        'connect': connect_cycles,
        'create_proxy': create_proxy_cycles,
        'put_blob': put_blob,
        'binary': binary_gets,
        'latency_under_load': latency_under_load,
        'fill_dict': fill_dict,
        'idle_open': idle.open,
        'idle_close': idle.close,
    }
    for line in sys.stdin:
        command = json.loads(line)
        op = command['op']
        if op == 'exit':
            reply({'id': command['id'], 'ok': True, 'result': None})
            break
        try:
            result = jobs[op](command.get('params', {}))
            reply({'id': command['id'], 'ok': True, 'result': result})
        except Exception as error:  # reported to the runner, which fails the row
            reply({'id': command['id'], 'ok': False, 'error': '%s: %s' % (type(error).__name__, error)})
    idle.close({})


# ---- jobs

def dict_seq(p):
    """Sequential set/get on the shared dict: 2 calls per step."""
    d = shared(p, 'get_dict')
    key = 'k%d' % os.getpid()

    def step():
        d[key] = 1
        d.get(key)
        return 2

    return timed(step, p)


def dict_threads(p):
    """`threads` threads, each with its own connection (CPython: one per thread), set/get in a loop."""
    d = shared(p, 'get_dict')  # each thread opens its own connection on its first call
    threads = p['threads']
    start_at = time.time() + p.get('startDelay', 0.5)
    results = [None] * threads

    def run(index):
        key = 'k%d-%d' % (os.getpid(), index)

        def step():
            d[key] = 1
            d.get(key)
            return 2

        results[index] = timed(step, dict(p, startAt=start_at))

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return combine(results)


def aggregate(p):
    """`processes` client processes, each running dict_seq; the windows open together."""
    count = p['processes']
    start_at = time.time() + p.get('startDelay', 0.5 + 0.02 * count)
    # CPython's manager listens with a backlog of 16. More clients connecting at once overflow its
    # queues (the kernel falls back to SYN cookies), and a client whose connection the server never
    # accepted waits for a challenge that never comes (no timeout): the job hung, in the children's
    # first connections or in the decref connection each proxy makes when its process exits. So at
    # most 16 children make connections at a time; the measured windows still open together.
    connecting = fork.BoundedSemaphore(LISTEN_BACKLOG)

    def work(_):
        with connecting:
            shared(p, 'get_dict').get('warm-up')  # the manager's connections and the proxy's own
        result = dict_seq(dict(p, startAt=start_at))
        with connecting:
            _shared.clear()  # the proxy's decref (a new connection), here rather than at exit
        return result

    return combine(in_children(count, work))


def queue_job(p):
    """`producers` processes put, `consumers` processes get, `items` in all; items/s, start to last get."""
    producers, consumers, items = p['producers'], p['consumers'], p['items']
    start_at = time.time() + p.get('startDelay', 0.5)

    def work(index):
        q = manager(p).get_queue()
        if index < producers:
            share = split(items, producers, index)
            sleep_until(start_at)
            for i in range(share):
                q.put(i)
        else:
            share = split(items, consumers, index - producers)
            sleep_until(start_at)
            for _ in range(share):
                q.get()
        return time.time()

    finished = in_children(producers + consumers, work)
    seconds = max(finished) - start_at
    return {'ops': items, 'seconds': seconds, 'rate': items / seconds}


def lock_seq(p):
    """Acquire + release pairs on one Lock: 1 op = 1 pair (2 calls)."""
    lock = shared(p, 'Lock')

    def step():
        lock.acquire()
        lock.release()
        return 1

    return timed(step, p)


def connect_cycles(p):
    """connect() = a new connection, the handshake, one call ('dummy'), close: as BaseManager does."""

    def step():
        manager(p)
        return 1

    return timed(step, p)


def create_proxy_cycles(p):
    """A new client, a new shared dict (create), one call on it, then the proxy dropped (decref)."""

    def step():
        d = manager(p).dict()
        d.get(1)
        del d
        return 1

    return timed(step, p)


def put_blob(p):
    manager(p).get_blobs()[p['key']] = bytes(p['size'])
    return None


def binary_gets(p):
    """Gets of a binary value stored in the shared dict: 1 op = 1 get of `size` bytes."""
    d = shared(p, 'get_blobs')
    key = p['key']

    def step():
        d.get(key)
        return 1

    return timed(step, p)


def latency_under_load(p):
    """Small gets on one proxy while another thread (its own connection, as CPython does per thread)
    gets the `key` binary value in a loop: 1 op = 1 small get; reports the transfers done meanwhile."""
    d = shared(p, 'get_dict')
    d['small'] = 1
    stop = threading.Event()
    moved = [0]

    def mover():
        blobs = manager(p).get_blobs()
        while not stop.is_set():
            blobs.get(p['key'])
            moved[0] += 1

    thread = threading.Thread(target=mover)
    thread.start()
    try:
        time.sleep(p.get('settle', 0.2))

        def step():
            d.get('small')
            return 1

        result = timed(step, p)
    finally:
        stop.set()
        thread.join()
    result['moved'] = moved[0]
    return result


def fill_dict(p):
    """Adds `entries` int -> str entries to the server's big dict, `batch` per update() call."""
    d = manager(p).get_big_dict()
    entries, batch = p['entries'], p['batch']
    started = time.perf_counter()
    for first in range(0, entries, batch):
        d.update({i: str(i) for i in range(first, min(entries, first + batch))})
    return {'ops': entries, 'seconds': time.perf_counter() - started}


class IdleClients:
    """Authenticated connections that stay open and idle, spread over several processes."""

    def __init__(self):
        self.children = []

    def open(self, p):
        count, processes = p['count'], p['processes']
        for index in range(processes):
            parent_end, child_end = fork.Pipe()
            child = fork.Process(target=hold_idle, args=(p, split(count, processes, index), child_end), daemon=True)
            child.start()
            self.children.append((child, parent_end))
        opened = 0
        for _, pipe in self.children:
            status = pipe.recv()
            if not isinstance(status, int):
                raise RuntimeError(status)
            opened += status
        return {'open': opened}

    def close(self, _p):
        for child, pipe in self.children:
            try:
                pipe.send('close')
            except OSError:
                pass
        for child, _ in self.children:
            child.join(10)
            if child.is_alive():
                child.kill()
        self.children = []
        return None


def hold_idle(p, count, pipe):
    address, authkey = address_of(p), p['authkey'].encode()
    conns, lock = [], threading.Lock()
    remaining = [count]

    def open_some():
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            try:
                conn = Client(address, authkey=authkey)
                # What a proxy's connection does first: from here on a server thread serves it.
                dispatch(conn, None, 'accept_connection', ('idle',))
            except OSError:
                continue
            with lock:
                conns.append(conn)

    # Threads, because each new connection waits ~40 ms on Nagle's algorithm (see the docs). They
    # are daemons, given a deadline: CPython's accepter authenticates one connection at a time and
    # never gives up on one, so a stalled handshake holds up every connection behind it.
    openers = [threading.Thread(target=open_some, daemon=True) for _ in range(16)]
    for opener in openers:
        opener.start()
    deadline = time.monotonic() + p.get('openSeconds', 60)
    for opener in openers:
        opener.join(max(0, deadline - time.monotonic()))
    with lock:
        pipe.send(len(conns))
        held = list(conns)
    pipe.recv()
    for conn in held:
        conn.close()


# ---- helpers

def manager(p):
    m = BenchManager(address=address_of(p), authkey=p['authkey'].encode())
    m.connect()
    return m


_shared = {}


def shared(p, typeid):
    """A proxy kept across repetitions (each costs CPython several new connections to make)."""
    key = (json.dumps(p['address']), p['authkey'], typeid)
    if key not in _shared:
        _shared[key] = getattr(manager(p), typeid)()
    return _shared[key]


def address_of(p):
    address = p['address']
    return address if isinstance(address, str) else tuple(address)


def timed(step, p):
    """Runs `step` for the warm-up, waits for startAt, then counts its ops for `duration` seconds."""
    deadline = time.perf_counter() + p.get('warmup', 0)
    while time.perf_counter() < deadline:
        step()
    if p.get('startAt') is not None:
        sleep_until(p['startAt'])
    ops, started, minimum = 0, time.perf_counter(), p.get('minOps', 1)
    deadline = started + p['duration']
    samples = []
    now = started
    while True:
        before = now
        done = step()
        ops += done
        now = time.perf_counter()
        if done > 0:
            samples.extend([(now - before) * 1e6 / done] * done)
        if now >= deadline and ops >= minimum:
            break
    seconds = now - started
    return {'ops': ops, 'seconds': seconds, 'rate': ops / seconds, 'latency': percentiles(samples)}


def percentiles(samples):
    """p50/p99/p99.9 of one operation's latency in microseconds (as LatencySamples in timing.ts)."""
    if not samples:
        return None
    samples.sort()
    n = len(samples)
    at = lambda q: samples[min(n - 1, int(q * n))]
    return {'p50': at(0.5), 'p99': at(0.99), 'p999': at(0.999)}


def combine(results):
    """Sums the rates of clients that ran at the same time; latency: the worst client's percentiles."""
    latencies = [r['latency'] for r in results if r.get('latency')]
    return {
        'ops': sum(r['ops'] for r in results),
        'seconds': max(r['seconds'] for r in results),
        'rate': sum(r['rate'] for r in results),
        'latency': {q: max(l[q] for l in latencies) for q in ('p50', 'p99', 'p999')} if latencies else None,
    }


def in_children(count, work):
    """Runs work(index) in `count` forked processes; returns their results in index order."""
    results = fork.Queue()

    def run(index):
        try:
            results.put((index, True, work(index)))
        except Exception as error:
            results.put((index, False, '%s: %s' % (type(error).__name__, error)))

    children = [fork.Process(target=run, args=(i,), daemon=True) for i in range(count)]
    for child in children:
        child.start()
    collected = [None] * count
    for _ in range(count):
        index, ok, value = results.get()
        if not ok:
            raise RuntimeError('client %d: %s' % (index, value))
        collected[index] = value
    for child in children:
        child.join()
    return collected


def split(total, parts, index):
    return total // parts + (1 if index < total % parts else 0)


def sleep_until(epoch_seconds):
    delay = epoch_seconds - time.time()
    if delay > 0:
        time.sleep(delay)


def reply(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    main()
