"""The CPython side of the benchmark: a stock multiprocessing.managers server (Python 3.11).

    python3 bench/python/bench_server.py --authkey KEY (--tcp | --unix PATH)

Prints one JSON line {"ready": true, "address": ...}, then serves forever. Reads JSON commands on
stdin, one per line ({"id", "op", "params"}) and answers each on stdout ({"id", "ok", "result"}):
`gc` runs a full collection (before the runner reads this process's RSS). Exits when stdin closes.
"""
import argparse
import gc
import json
import os
import queue
import sys
import threading
from multiprocessing.managers import DictProxy, SyncManager

# The shared objects every client reaches through a registered typeid (singletons, as the Node
# server's): clients of one job share them, exactly as in the mpmanagers server.
shared_dict = {}
blobs = {}
big_dict = {}
shared_queue = queue.Queue()


class BenchManager(SyncManager):
    pass


BenchManager.register('get_dict', callable=lambda: shared_dict, proxytype=DictProxy)
BenchManager.register('get_blobs', callable=lambda: blobs, proxytype=DictProxy)
BenchManager.register('get_big_dict', callable=lambda: big_dict, proxytype=DictProxy)
BenchManager.register('get_queue', callable=lambda: shared_queue)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--authkey', required=True)
    parser.add_argument('--tcp', action='store_true')
    parser.add_argument('--unix')
    args = parser.parse_args()
    address = args.unix if args.unix else ('127.0.0.1', 0)
    raise_fd_limit()
    server = BenchManager(address=address, authkey=args.authkey.encode()).get_server()
    reply({'ready': True, 'address': server.address})
    threading.Thread(target=command_loop, daemon=True).start()
    server.serve_forever()


def command_loop():
    for line in sys.stdin:
        command = json.loads(line)
        if command['op'] == 'gc':
            gc.collect()
            reply({'id': command['id'], 'ok': True, 'result': None})
        else:
            reply({'id': command['id'], 'ok': False, 'error': 'unknown op ' + command['op']})
    os._exit(0)  # the runner is gone


def raise_fd_limit():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


_print_lock = threading.Lock()


def reply(message):
    with _print_lock:
        sys.stdout.write(json.dumps(message) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
