// Bad input closes the one connection that sent it (or answers with a typed error) and the server
// keeps serving a healthy client afterwards. Raw bytes come from a hand-written client (helpers/raw).
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { decode, encode, type ExtData } from '@msgpack/msgpack';
import { SyncManager, AuthenticationError, type DictProxy } from '../../lib/index.js';
import { rejection } from '../helpers/assertions.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';

describe('Bad input', () => {
  let served: Served<SyncManager>;
  let healthy: SyncManager;
  let healthyList: Awaited<ReturnType<SyncManager['list']>>;

  before(async () => {
    served = await serve(SyncManager, { handshakeTimeout: 0.3 });
    healthy = await served.client();
    healthyList = await healthy.list();
  });
  after(() => served.close());

  /** The healthy client still gets correct answers. */
  async function stillServing(): Promise<void> {
    const n = await healthyList.length();
    await healthyList.append(n);
    expect(await healthyList.get(-1)).to.equal(n);
    const fresh = await served.client();
    expect(await (await fresh.list([1]))._getValue()).to.deep.equal([1]);
    await fresh.close();
  }

  async function expectClosedQuickly(c: RawClient): Promise<void> {
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3000).unref());
    expect(await Promise.race([c.closedPromise.then(() => 'closed'), timeout])).to.equal('closed');
  }

  it('a client with the wrong key is refused (AuthenticationError) and nothing is sent after #FAILURE#', async () => {
    const c = await RawClient.connect(served.address);
    await c.readFrame(); // the challenge
    c.sendFrame(Buffer.concat([Buffer.from('{sha256}'), randomBytes(32)]));
    expect((await c.readFrame()).toString()).to.equal('#FAILURE#');
    await expectClosedQuickly(c);
    const bad = new SyncManager({ address: served.address, authkey: 'not-the-key' });
    const error: unknown = await rejection(bad.connect());
    expect(error).to.be.instanceOf(AuthenticationError);
    await stillServing();
  });

  it('a server that answers our challenge wrongly is refused by the client', async () => {
    const fake = net.createServer((socket) => {
      const frames: Buffer[] = [];
      let buf = Buffer.alloc(0);
      const send = (p: Buffer) => {
        const h = Buffer.alloc(4);
        h.writeInt32BE(p.length);
        socket.write(Buffer.concat([h, p]));
      };
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          frames.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
          buf = buf.subarray(4 + buf.readInt32BE(0));
          if (frames.length === 1) send(Buffer.from('#WELCOME#')); // accepts any answer
          if (frames.length === 2) send(Buffer.concat([Buffer.from('{sha256}'), Buffer.alloc(32)])); // wrong digest
        }
      });
      socket.on('error', () => {});
      send(Buffer.concat([Buffer.from('#CHALLENGE#{sha256}'), randomBytes(40)]));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const port = (fake.address() as net.AddressInfo).port;
    const m = new SyncManager({ address: ['127.0.0.1', port], authkey: 'test-key' });
    const error: unknown = await rejection(m.connect());
    fake.close();
    expect(error).to.be.instanceOf(AuthenticationError);
  });

  it('a silent peer is disconnected when the handshake timeout expires', async () => {
    const c = await RawClient.connect(served.address);
    await stillServing();
    await expectClosedQuickly(c);
  });

  it('garbage bytes before authentication close that connection only', async () => {
    const c = await RawClient.connect(served.address);
    c.sendRaw(randomBytes(300));
    await expectClosedQuickly(c);
    await stillServing();
  });

  it('garbage bytes after authentication close that connection only', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendRaw(Buffer.concat([Buffer.from([0, 0, 0, 8]), randomBytes(8)])); // a frame of junk
    c.sendRaw(randomBytes(64));
    await expectClosedQuickly(c);
    await stillServing();
  });

  it('a negative frame length closes the connection', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    await expectClosedQuickly(c);
    await stillServing();
  });

  it('an oversize frame length (2 GiB) closes the connection before anything is allocated', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    const before = process.memoryUsage().arrayBuffers;
    c.sendRaw(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await expectClosedQuickly(c);
    expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(64 * 1024 * 1024);
    await stillServing();
  });

  it('an oversize frame before authentication (> 256 bytes) closes the connection on its header alone', async () => {
    // Only the header of a 1000-byte answer is sent, never its body, to a server that would wait
    // 10 s for the rest of a handshake: a wrong digest cannot be what closes it, only the 256-byte
    // pre-auth cap, read from the header (a server without the cap would wait for the body).
    const patient = await serve(SyncManager, { handshakeTimeout: 10 });
    try {
      const c = await RawClient.connect(patient.address);
      await c.readFrame(); // the challenge
      const header = Buffer.alloc(4);
      header.writeInt32BE(1000);
      c.sendRaw(header);
      await expectClosedQuickly(c);
      expect(await c.readFrame().catch(() => 'nothing'), 'no #FAILURE# verdict: no digest was checked').to.equal('nothing');
      // 256 bytes is within the cap: that answer is read and judged (wrong), with a verdict.
      const fits = await RawClient.connect(patient.address);
      await fits.readFrame();
      fits.sendFrame(Buffer.alloc(256));
      expect((await fits.readFrame()).toString()).to.equal('#FAILURE#');
      await expectClosedQuickly(fits);
    } finally {
      await patient.close();
    }
    await stillServing();
  });

  it('a truncated frame from a client that then vanishes leaves the server serving', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendRaw(Buffer.from([0, 0, 0, 100, 1, 2, 3]));
    await stillServing();
    c.close();
    await c.closedPromise;
    await stillServing();
  });

  it('an undecodable payload closes the connection', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendFrame(Buffer.from([0xc1]));
    await expectClosedQuickly(c);
    await stillServing();
  });

  it('well-formed msgpack that is not a valid message closes the connection', async () => {
    for (const message of [{ not: 'an array' }, [99, 1], [0, 'id', null, 'x', [], null], [0, 1, null, 5, [], null]]) {
      const c = await RawClient.authenticated(served.address, served.authkey);
      c.sendMessage(message);
      await expectClosedQuickly(c);
    }
    await stillServing();
  });

  it('request ids 0 (the goodbye\'s), negative, fractional or past 2^53 are refused as malformed', async () => {
    for (const id of [0, -1, -(2 ** 31), 1.5, 2 ** 53, Number.MAX_VALUE]) {
      const c = await RawClient.authenticated(served.address, served.authkey);
      c.sendMessage([0, id, null, 'dummy', [], null]);
      // The goodbye (a reply to id 0), carrying the ProtocolError, and nothing answering the request.
      const goodbye = decode(await c.readFrame()) as [number, number, number, ExtData];
      expect(goodbye.slice(0, 3), String(id)).to.deep.equal([1, 0, 1]);
      const [name, message] = decode(goodbye[3].data as Uint8Array) as [string, string];
      expect([name, message], String(id)).to.deep.equal(['ProtocolError', 'malformed request']);
      await expectClosedQuickly(c);
      expect(await c.readFrame().catch(() => 'closed'), String(id)).to.equal('closed');
    }
    // A positive id is answered, on a connection that stays open.
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendMessage([0, 1, null, 'dummy', [], null]);
    expect(decode(await c.readFrame())).to.deep.equal([1, 1, 0, null]);
    c.close();
    await stillServing();
  });

  it('an unknown object id gets a KeyError reply and the connection stays usable', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    c.sendMessage([0, 1, 'ffffff', '__len__', [], null]);
    const reply = decode(await c.readFrame()) as unknown[];
    expect(reply.slice(0, 3)).to.deep.equal([1, 1, 1]);
    c.sendMessage([0, 2, null, 'dummy', [], null]);
    expect(decode(await c.readFrame())).to.deep.equal([1, 2, 0, null]);
    c.close();
    await stillServing();
  });

  it('non-exposed methods, constructor, __proto__ and toString are refused with AttributeError', async () => {
    for (const method of ['not_a_method', 'constructor', '__proto__', 'toString', 'valueOf', '_private', '__defineGetter__']) {
      const error: unknown = await rejection(healthyList._callMethod(method, ['x']));
      expect((error as Error | undefined)?.name, method).to.equal('AttributeError');
    }
    // Methods the served objects do have, but do not expose: only the exposed list refuses them.
    const lock = await healthy.Lock();
    expect(await lock.acquire()).to.equal(true);
    const unexposed: [{ _callMethod(name: string, args?: unknown[]): Promise<unknown> }, string, unknown[]][] = [
      [lock, 'releaseAllOwnedBy', [{}]],
      [await healthy.dict({ a: 1 }), 'find', ['a']],
      [await healthy.Namespace({ x: 1 }), 'getValue', []],
      [await healthy.Namespace({ x: 1 }), 'toJSON', []],
      [await healthy.Array('i', [1, 2]), 'getValue', []],
    ];
    for (const [proxy, method, args] of unexposed) {
      const error = (await rejection(proxy._callMethod(method, args))) as Error | undefined;
      expect(error?.name, method).to.equal('AttributeError');
      expect(error?.message, method).to.match(/is not in exposed=/);
    }
    expect(await lock.acquire(false), 'the lock is still held').to.equal(false);
    await lock.release();
    await stillServing();
  });

  it('a raw __proto__ map key closes the connection and pollutes nothing', async () => {
    const c = await RawClient.authenticated(served.address, served.authkey);
    // [Request, 1, id, 'append', [{ "__proto__": { polluted: true } }], nil], the map built by hand
    // because encode() of a JS object never writes a __proto__ key.
    const protoMap = Buffer.concat([Buffer.from([0x81]), encode('__proto__'), Buffer.from([0x81]), encode('polluted'), Buffer.from([0xc3])]);
    const frame = Buffer.concat([
      Buffer.from([0x96, 0x00, 0x01]),
      encode(healthyList._token.id),
      encode('append'),
      Buffer.from([0x91]),
      protoMap,
      Buffer.from([0xc0]),
    ]);
    c.sendFrame(frame);
    await expectClosedQuickly(c);
    expect(({} as any).polluted).to.equal(undefined);
    await stillServing();
  });

  it('__proto__ and constructor keys sent by a client are plain data', async () => {
    const d: DictProxy = await healthy.dict();
    const tricky = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
    await d.set('obj', tricky);
    await d.set('__proto__', 'as a key');
    const back = (await d.get('obj')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(back, '__proto__')).to.equal(true);
    expect(back['constructor']).to.deep.equal({ prototype: { polluted: true } });
    expect(await d.get('__proto__')).to.equal('as a key');
    expect(({} as any).polluted).to.equal(undefined);
  });
});
