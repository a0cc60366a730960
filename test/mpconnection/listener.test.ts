// Listener and Client of multiprocessing.connection over real sockets (TCP and Unix), and bad input:
// a wrong key, garbage before authentication, oversized frames, a peer that vanishes mid-message.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AuthenticationError, Client, ConnectionClosedError, EOFError, Listener, ProtocolError, type Connection } from '../../lib/index.js';
import { frameHeader } from '../../lib/connection/framing.js';
import { Connection as SocketConnection } from '../../lib/connection/connection.js';
import { rejectionOf } from '../helpers/assertions.js';

describe('Listener and Client', () => {
  const opened: (Listener | Connection)[] = [];
  const track = <T extends Listener | Connection>(thing: T): T => (opened.push(thing), thing);
  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
  });

  it('a Client and the connection the Listener accepts exchange values and bytes', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'secret' }));
    expect(listener.address).to.equal(undefined);
    const address = await listener.listen();
    expect(listener.address).to.deep.equal(address);
    const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'secret' })]);
    track(server);
    track(client);
    await client.send({ question: 'six times seven' });
    expect(await server.recv()).to.deep.equal({ question: 'six times seven' });
    await server.send(42);
    expect(await client.recv()).to.equal(42);
    await server.sendBytes(new Uint8Array([1, 2, 3]));
    expect([...(await client.recvBytes())]).to.deep.equal([1, 2, 3]);
    client.close();
    expect(await rejectionOf(server.recv())).to.be.instanceOf(EOFError);
  });

  it('sendBytes carries any bytes, even those that open a manager chunk frame (0xc1): only data here', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'secret' }));
    const address = await listener.listen();
    const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'secret' })]);
    track(server);
    track(client);
    const payloads = [Uint8Array.of(0xc1), Uint8Array.of(0xc1, 0, 0, 0, 1, 2, 3, 4, 5), Uint8Array.of(0xc1, 0xff, 0xff)];
    for (const bytes of payloads) await client.sendBytes(bytes);
    for (const bytes of payloads) expect([...(await server.recvBytes())]).to.deep.equal([...bytes]);
    await client.send('still talking');
    expect(await server.recv()).to.equal('still talking');
  });

  it('for await over a Listener yields each connection until it is closed; pending accepts reject', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'k' }));
    const address = await listener.listen();
    const clients = await Promise.all([1, 2, 3].map(async (n) => {
      const c = track(await Client(address, { authkey: 'k' }));
      await c.send(n);
      return c;
    }));
    const received: unknown[] = [];
    for await (const conn of listener) {
      track(conn);
      received.push(await conn.recv());
      if (received.length === clients.length) break;
    }
    expect(received.sort()).to.deep.equal([1, 2, 3]);
    const pending = rejectionOf(listener.accept());
    await listener.close();
    expect(await pending).to.be.instanceOf(ConnectionClosedError);
  });

  it('a Unix socket path as the address', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mpconn-'));
    try {
      const listener = track(new Listener(path.join(dir, 'l.sock'), { authkey: 'k' }));
      const address = await listener.listen();
      const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'k' })]);
      track(server);
      track(client);
      await client.send('over a unix socket');
      expect(await server.recv()).to.equal('over a unix socket');
      await listener.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the default authkey is the process authkey, on both sides', async () => {
    const listener = track(new Listener());
    const address = await listener.listen();
    const [server, client] = await Promise.all([listener.accept(), Client(address)]);
    track(server);
    track(client);
    await client.send('hi');
    expect(await server.recv()).to.equal('hi');
  });

  it('a Client with the wrong key rejects AuthenticationError; the Listener keeps accepting others', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'right' }));
    const address = await listener.listen();
    expect(await rejectionOf(Client(address, { authkey: 'wrong' }))).to.be.instanceOf(AuthenticationError);
    const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'right' })]);
    track(server);
    track(client);
    await client.send('after the bad one');
    expect(await server.recv()).to.equal('after the bad one');
  });

  it('garbage before authentication is dropped without reaching accept()', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'k' }));
    const [host, port] = (await listener.listen()) as [string, number];
    const raw = net.connect({ host, port });
    raw.on('error', () => {});
    raw.resume(); // read, so that the server's hang-up is seen
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.write(Buffer.concat([frameHeader(1000), Buffer.alloc(1000, 0x41)])); // larger than any handshake frame
    await rawClosed;
    const [server, client] = await Promise.all([listener.accept(), Client([host, port], { authkey: 'k' })]);
    track(server);
    track(client);
    await client.send('good');
    expect(await server.recv()).to.equal('good');
  });

  it('an oversized frame ends the connection: recv() rejects ProtocolError after the frames before it', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'k', maxFrameSize: 1024 }));
    const address = await listener.listen();
    const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'k' })]);
    track(server);
    track(client);
    await client.send('small');
    await client.sendBytes(Buffer.alloc(4096));
    expect(await server.recv()).to.equal('small');
    const error = await rejectionOf(server.recv());
    expect(error).to.be.instanceOf(ProtocolError);
    expect(await rejectionOf(client.recv())).to.be.instanceOf(EOFError);
  });

  it('flow control: a reader that falls behind slows the sender down, and every message arrives in order', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'k' }));
    const address = await listener.listen();
    const [server, client] = await Promise.all([listener.accept(), Client(address, { authkey: 'k' })]);
    track(server);
    track(client);
    const count = 600;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await client.sendBytes(Buffer.alloc(32 * 1024, i % 256));
    })();
    // The reader starts late: the sender's socket and this side's unread messages fill up first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < count; i++) {
      const message = await server.recvBytes();
      expect(message.length).to.equal(32 * 1024);
      expect(message[0]).to.equal(i % 256);
    }
    await sending;
  });

  it('a peer that vanishes mid-message: recv() rejects EOFError, nothing half-read is delivered', async () => {
    const listener = track(new Listener(['127.0.0.1', 0], { authkey: 'k' }));
    const address = await listener.listen();
    const accepted = listener.accept();
    // An authenticated peer at the socket level, so that it can write half a frame.
    const peer = await SocketConnection.connect(address, { authkey: 'k' });
    const server = track(await accepted);
    peer.socket.write(Buffer.concat([frameHeader(100), Buffer.alloc(10)]));
    peer.socket.destroy();
    expect(await rejectionOf(server.recv())).to.be.instanceOf(EOFError);
  });
});
