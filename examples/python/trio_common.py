# What the Python producer and consumer of the distributed trio share: the manager class (stock
# multiprocessing.managers, nothing else), the address and the authkey. The server is
# examples/queue_server.ts run with TRIO_SERIALIZER=pickle.
import os
import sys
from multiprocessing.managers import BaseManager, ConditionProxy, ValueProxy

TASK_COUNT = 20


class TrioManager(BaseManager):
    pass


for typeid in ('get_task_queue', 'get_result_queue', 'get_double'):
    TrioManager.register(typeid)
TrioManager.register('get_condition', proxytype=ConditionProxy)
TrioManager.register('get_done', proxytype=ValueProxy)


def connect_trio():
    """argv[1] is 'port' or 'host:port' (default 127.0.0.1:50000); authkey $TRIO_AUTHKEY."""
    argument = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('TRIO_ADDRESS', '127.0.0.1:50000')
    host, _, port = argument.rpartition(':')
    manager = TrioManager((host or '127.0.0.1', int(port)), authkey=os.environ.get('TRIO_AUTHKEY', 'trio-secret').encode())
    manager.connect()
    return manager
