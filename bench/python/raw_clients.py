"""Client processes that speak the mpmanagers wire protocol directly, to measure how the
mpmanagers *server* scales as client processes are added, without Node client processes (which on
some machines cost far more per wake-up than the server does per call: see docs/performance.md).

    python3 bench/python/raw_clients.py HOST PORT AUTHKEY PROCESSES DURATION START_AT [--floor]

Each process authenticates (the CPython 3.12 handshake, by hand: HMAC-SHA256 both ways; not with
--floor, whose server has none), then sends the control call `dummy` ([0, 1, nil, "dummy", [], nil],
msgpack) and waits for its reply, again and again. Prints one JSON line: {"ops", "seconds", "rate"}
summed over the processes.
"""
import hashlib
import hmac
import json
import multiprocessing
import os
import socket
import struct
import sys
import time

DUMMY = bytes([0x96, 0x00, 0x01, 0xc0, 0xa5]) + b'dummy' + bytes([0x90, 0xc0])


def main():
    host, port, authkey = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    processes, duration, start_at = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    authenticate = '--floor' not in sys.argv[7:]
    fork = multiprocessing.get_context('fork')
    results = fork.Queue()
    children = [fork.Process(target=run, args=(host, port, authkey, authenticate, duration, start_at, results)) for _ in range(processes)]
    for child in children:
        child.start()
    rates = [results.get() for _ in children]
    for child in children:
        child.join()
    print(json.dumps({'ops': sum(r[0] for r in rates), 'seconds': max(r[1] for r in rates), 'rate': sum(r[0] / r[1] for r in rates)}))


def run(host, port, authkey, authenticate, duration, start_at, results):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if authenticate:
        answer_challenge(s, authkey)
        deliver_challenge(s, authkey)
    frame = struct.pack('!i', len(DUMMY)) + DUMMY
    while time.time() < start_at:
        time.sleep(0.001)
    ops, started = 0, time.perf_counter()
    deadline = started + duration
    while True:
        s.sendall(frame)
        receive(s)
        ops += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    results.put((ops, now - started))
    s.close()


def answer_challenge(s, authkey):
    message = receive(s)
    assert message.startswith(b'#CHALLENGE#'), message
    body = message[len(b'#CHALLENGE#'):]
    send(s, b'{sha256}' + hmac.new(authkey, body, hashlib.sha256).digest())
    assert receive(s) == b'#WELCOME#', 'wrong authkey'


def deliver_challenge(s, authkey):
    body = b'{sha256}' + os.urandom(40)
    send(s, b'#CHALLENGE#' + body)
    expected = b'{sha256}' + hmac.new(authkey, body, hashlib.sha256).digest()
    assert hmac.compare_digest(receive(s), expected), 'the server failed our challenge'
    send(s, b'#WELCOME#')


def send(s, payload):
    s.sendall(struct.pack('!i', len(payload)) + payload)


def receive(s):
    (length,) = struct.unpack('!i', exact(s, 4))
    return exact(s, length)


def exact(s, size):
    data = b''
    while len(data) < size:
        chunk = s.recv(size - len(data))
        if not chunk:
            raise ConnectionError('the server closed the connection')
        data += chunk
    return data


if __name__ == '__main__':
    main()
