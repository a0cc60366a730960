import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Listener } from '../../lib/connection/listener.js';
import { AUTHKEY, closeAll, connect, listen, nextConnection, within } from './helpers.js';
import { runPython } from './python.js';

describe('connection over Unix sockets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mpm-conn-'));
  });
  afterEach(async () => {
    await closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates and carries frames over a socket path, and removes the file on close', async () => {
    const socketPath = path.join(dir, 'manager.sock');
    const listener = await listen({}, socketPath);
    expect(listener.address).to.equal(socketPath);
    const accepted = nextConnection(listener);
    const client = await connect(listener);
    const server = await accepted;
    const got = new Promise<Buffer>((resolve) => (server.onFrame = resolve));
    client.send(Buffer.from('over unix'));
    expect((await within(3000, got, 'the frame')).toString()).to.equal('over unix');
    expect(client.remoteLabel).to.equal(socketPath);
    await listener.close();
    expect(existsSync(socketPath)).to.equal(false);
  });

  it('replaces a stale socket file that nothing answers on', async () => {
    const socketPath = path.join(dir, 'stale.sock');
    // A socket bound and abandoned by a process that has exited: the file stays behind.
    const python = runPython('import socket, sys\nsocket.socket(socket.AF_UNIX).bind(sys.argv[1])', [socketPath]);
    expect((await python.exited).code).to.equal(0);
    expect(existsSync(socketPath)).to.equal(true);
    const listener = await listen({}, socketPath);
    const accepted = nextConnection(listener);
    await connect(listener);
    await within(3000, accepted, 'a connection on the reused path');
  });

  it('leaves a live server and a non-socket file alone', async () => {
    const socketPath = path.join(dir, 'live.sock');
    const live = await listen({}, socketPath);
    const error = await Listener.listen(socketPath, { authkey: AUTHKEY }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error?.code).to.equal('EADDRINUSE');
    const accepted = nextConnection(live);
    await connect(live);
    await within(3000, accepted, 'the live server still serving');

    const filePath = path.join(dir, 'not-a-socket');
    writeFileSync(filePath, 'data');
    const fileError = await Listener.listen(filePath, { authkey: AUTHKEY }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(fileError?.code).to.equal('EADDRINUSE');
    expect(existsSync(filePath)).to.equal(true);
  });
});
