// The public Listener speaks to CPython 3.12's multiprocessing.connection.Client: the same handshake
// and frames, raw bytes through sendBytes/recvBytes (send/recv carry msgpack here, pickle there).
import { expect } from 'chai';
import { Listener } from '../../lib/index.js';
import { runPython, type PythonRun } from '../connection/python.js';

const PYTHON_CLIENT = `
import sys
from multiprocessing.connection import Client
c = Client(('127.0.0.1', int(sys.argv[1])), authkey=b'secret')
c.send_bytes(b'from python')
print(c.recv_bytes().decode(), flush=True)
c.close()
`;

describe('Listener with a CPython Client', function () {
  this.timeout(30000);
  let python: PythonRun | undefined;
  afterEach(() => python?.kill());

  it('recvBytes/sendBytes exchange bytes with send_bytes/recv_bytes; the close is our EOF', async () => {
    await using listener = new Listener(['127.0.0.1', 0], { authkey: 'secret' });
    const [, port] = (await listener.listen()) as [string, number];
    python = runPython(PYTHON_CLIENT, [String(port)]);
    await using conn = await listener.accept();
    expect((await conn.recvBytes()).toString()).to.equal('from python');
    await conn.sendBytes(Buffer.from('from node'));
    expect(await python.nextLine()).to.equal('from node');
    expect((await python.exited).code).to.equal(0);
    expect(await conn.poll(10)).to.equal(true);
    expect(await conn.recvBytes().catch((error: Error) => error.name)).to.equal('EOFError');
  });
});
