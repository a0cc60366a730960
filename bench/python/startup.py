"""CPython's side of the start-up rows (the twin of bench/workers/startup.ts):
`python startup.py <manager|process|pool>` prints {"ms": ...} with the spawn start method (what a
fresh interpreter costs, as each of our children is a fresh Node process)."""
import json
import multiprocessing as mp
import sys
import time


def nothing():
    pass


def square(x):
    return x * x


if __name__ == '__main__':
    mp.set_start_method(sys.argv[2] if len(sys.argv) > 2 else 'spawn')
    what = sys.argv[1]
    started = time.perf_counter()
    if what == 'manager':
        manager = mp.Manager()
        elapsed = time.perf_counter() - started
        manager.shutdown()
    elif what == 'process':
        child = mp.Process(target=nothing)
        child.start()
        child.join()
        elapsed = time.perf_counter() - started
    elif what == 'pool':
        with mp.Pool(2) as pool:
            assert pool.map(square, [1, 2, 3, 4]) == [1, 4, 9, 16]
            elapsed = time.perf_counter() - started
    else:
        sys.exit(f'usage: startup.py <manager|process|pool> [spawn|fork], not {what}')
    print(json.dumps({'ms': elapsed * 1000}))
