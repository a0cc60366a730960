// Our handshake and framing against CPython 3.12's multiprocessing.connection, both ways.
import { expect } from 'chai';
import { AuthenticationError } from '../../lib/errors.js';
import { Connection } from '../../lib/connection/connection.js';
import { closeAll, listen, portOf, rejection, track, within } from './helpers.js';
import { runPython, type PythonRun } from './python.js';

// Accepts two connections: the first is expected to fail authentication, the second echoes one
// message reversed.
const PYTHON_LISTENER = `
from multiprocessing.connection import Listener
from multiprocessing import AuthenticationError
with Listener(('127.0.0.1', 0), authkey=b'secret') as listener:
    print(listener.address[1], flush=True)
    for _ in range(2):
        try:
            with listener.accept() as conn:
                conn.send_bytes(conn.recv_bytes()[::-1])
                print('served', flush=True)
        except AuthenticationError as e:
            print('auth-failed:', e, flush=True)
`;

// Connects with the key given as argv[2], sends b'ping', prints the reply.
const PYTHON_CLIENT = `
import sys
from multiprocessing.connection import Client
from multiprocessing import AuthenticationError
try:
    with Client(('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode()) as conn:
        conn.send_bytes(b'ping' * 100)
        print('reply:', conn.recv_bytes().decode(), flush=True)
except AuthenticationError as e:
    print('auth-failed:', e, flush=True)
`;

describe('connection/interop with CPython 3.12', function () {
  this.timeout(15000);
  const pythons: PythonRun[] = [];
  afterEach(async () => {
    for (const python of pythons.splice(0)) python.kill();
    await closeAll();
  });

  it('our client authenticates to a CPython Listener, and a wrong key fails on both sides', async () => {
    const python = runPython(PYTHON_LISTENER);
    pythons.push(python);
    const port = Number(await within(10000, python.nextLine(), 'python listening'));

    const error = await rejection(Connection.connect(['127.0.0.1', port], { authkey: 'not the key' }));
    expect(error).to.be.instanceOf(AuthenticationError);
    expect(error.message).to.equal('digest sent was rejected');
    expect(await python.nextLine()).to.equal('auth-failed: digest received was wrong');

    const conn = track(await Connection.connect(['127.0.0.1', port], { authkey: 'secret' }));
    const reply = new Promise<Buffer>((resolve) => (conn.onFrame = resolve));
    conn.send(Buffer.from('hello, python'));
    expect((await within(5000, reply, 'the reply')).toString()).to.equal('nohtyp ,olleh');
    expect(await python.nextLine()).to.equal('served');
    expect((await python.exited).code).to.equal(0);
  });

  it('a CPython Client authenticates to our Listener, and a wrong key fails on both sides', async () => {
    const listener = await listen();
    listener.onConnection = (conn) => {
      track(conn);
      conn.onFrame = (payload) => conn.send(Buffer.from(`got ${payload.length} bytes`));
    };
    const failures: Error[] = [];
    listener.onAuthFailure = (error) => failures.push(error);

    const good = runPython(PYTHON_CLIENT, [String(portOf(listener)), 'secret']);
    pythons.push(good);
    expect(await within(10000, good.nextLine(), 'python reply')).to.equal('reply: got 400 bytes');
    expect((await good.exited).code).to.equal(0);

    const bad = runPython(PYTHON_CLIENT, [String(portOf(listener)), 'wrong']);
    pythons.push(bad);
    expect(await within(10000, bad.nextLine(), 'python failure')).to.equal('auth-failed: digest sent was rejected');
    expect((await bad.exited).code).to.equal(0);
    expect(failures.map((e) => e.message)).to.deep.equal(['digest received was wrong']);
  });
});
