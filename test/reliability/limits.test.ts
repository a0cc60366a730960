// Every server limit, exceeded through a real socket: the client gets a clear typed error, the
// offending connection (only it) is refused or closed, and the server keeps serving the others.
import type net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import { encode as encodeMessage } from '@msgpack/msgpack';
import { SyncManager, type ManagerOptions, ConnectionClosedError, LimitError, ProtocolError, ValueError } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from '../../lib/connection/index.js';
import { DEFAULT_CODEC_OPTIONS } from '../../lib/codec/codec.js';
import { limitSettings, REPLY_BACKLOG_LIMIT } from '../../lib/server/limits.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';
import { eventually, rejectionOf, secondsSince, sleep } from './helpers.js';

describe('reliability: limits', function () {
  this.timeout(30_000);
  let served: Served<SyncManager>;
  const toClose: Served<SyncManager>[] = [];
  afterEach(async () => {
    for (const s of toClose.splice(0)) await s.close();
  });

  async function startServer(options: ManagerOptions): Promise<Served<SyncManager>> {
    served = await serve(SyncManager, options);
    toClose.push(served);
    return served;
  }

  /** A client of the same server still gets correct answers. */
  async function stillServing(): Promise<void> {
    const other = await served.client();
    const list = await other.list([1, 2]);
    await list.append(3);
    expect(await list._getValue()).to.deep.equal([1, 2, 3]);
    await other.close();
  }

  function expectLimit(error: Error, limit: string): void {
    expect(error).to.be.instanceOf(LimitError);
    expect((error as LimitError).limit).to.equal(limit);
    expect(error.message).to.include(limit);
  }

  it('has documented defaults, and refuses invalid limits with ValueError', () => {
    expect(limitSettings({})).to.deep.equal({
      maxConnections: 16384,
      maxInFlight: 16384,
      maxObjectsPerConnection: 100_000,
      idleTimeoutMs: null,
    });
    expect(limitSettings({ maxConnections: null, idleTimeout: 2 })).to.include({ maxConnections: Infinity, idleTimeoutMs: 2000 });
    expect(DEFAULT_HANDSHAKE_TIMEOUT).to.equal(5);
    expect(REPLY_BACKLOG_LIMIT).to.equal(8 * 1024 * 1024);
    for (const bad of [{ maxConnections: 0 }, { maxInFlight: 1.5 }, { maxObjectsPerConnection: -1 }, { idleTimeout: 0 }]) {
      expect(() => new SyncManager({ authkey: 'k', ...bad }).getServer(), JSON.stringify(bad)).to.throw(ValueError);
    }
  });

  it('maxConnections: one connection too many is refused with LimitError; a freed slot is reusable', async () => {
    served = await startServer({ maxConnections: 2 });
    const first = await served.client();
    await served.client();
    expectLimit(await rejectionOf(served.client()), 'maxConnections');
    expect(served.server.connectionCount).to.equal(2);
    await first.close();
    await eventually(() => served.server.connectionCount === 1);
    const third = await served.client();
    expect(await (await third.list([7]))._getValue()).to.deep.equal([7]);
  });

  it('maxInFlight: a request beyond the limit is refused with LimitError; cancels still get through', async () => {
    served = await startServer({ maxInFlight: 3 });
    const client = await served.client();
    const queue = await client.Queue<string>();
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const gets = controllers.map((c) => queue.get(true, null, { signal: c.signal }));
    await eventually(async () => {
      try {
        await queue.qsize();
        return false;
      } catch (error) {
        expectLimit(error as Error, 'maxInFlight');
        return true;
      }
    });
    await stillServing(); // other connections are not affected
    controllers[0].abort();
    expect((await rejectionOf(gets[0])).name).to.equal('AbortError');
    expect(await queue.qsize()).to.equal(0); // the slot is free again
    await queue.put('a');
    await queue.put('b');
    expect(await Promise.all(gets.slice(1))).to.deep.equal(['a', 'b']);
  });

  it('maxObjectsPerConnection: one object too many is refused with LimitError, until one is freed', async () => {
    served = await startServer({ maxObjectsPerConnection: 4 });
    const client = await served.client();
    const lists = [await client.list(), await client.list(), await client.list()];
    const dict = await client.dict<string, unknown>({ a: 1 });
    expectLimit(await rejectionOf(client.list()), 'maxObjectsPerConnection');
    // Results served as new objects (method_to_typeid: a dict's iterator) count too.
    expectLimit(await rejectionOf(dict._callMethod('__iter__')), 'maxObjectsPerConnection');
    await stillServing(); // the quota is per connection
    await lists[0]._release();
    const replacement = await client.list();
    // An object still counts once its creator let go of it while it lives on in a container.
    await dict.set('kept', replacement);
    await replacement._release();
    expectLimit(await rejectionOf(client.list()), 'maxObjectsPerConnection');
    await dict._release(); // frees the dict and the list it held: two slots
    await client.list();
    await client.list();
    expectLimit(await rejectionOf(client.list()), 'maxObjectsPerConnection');
  });

  it('idleTimeout: an idle connection is closed and told why; waiting or busy ones are kept', async () => {
    served = await startServer({ idleTimeout: 0.4 });
    const idle = await served.client();
    const idleList = await idle.list();
    const waiting = await served.client();
    const queue = await waiting.Queue<string>();
    const pendingGet = queue.get();
    const busy = await served.client();
    const busyList = await busy.list();
    const start = performance.now();
    while (secondsSince(start) < 1.5) {
      await busyList.append(1);
      await sleep(0.1);
    }
    const error = await rejectionOf(idleList.append(1));
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(error.message).to.match(/idleTimeout/);
    const putter = await served.client();
    await (await putter._proxyFromRef(proxyRef(queue))).put('x');
    expect(await pendingGet).to.equal('x');
    expect(await busyList.length()).to.be.above(5);
  });

  it('one small request cannot make the server allocate gigabytes (list * n, Array(typecode, n))', async () => {
    served = await startServer({});
    const client = await served.client();
    const list = await client.list([1, 2]);
    const start = performance.now();
    for (const count of [2 ** 30, 2 ** 20]) {
      const error = await rejectionOf(list._callMethod('__imul__', [count]));
      expect(error.name).to.equal('RangeError');
      expect(error.message).to.match(/one call may create/);
    }
    expect((await rejectionOf(client.Array('d', 2 ** 30))).message).to.match(/one call may create/);
    expect(await (await client.Array('d', 2 ** 20)).length()).to.equal(2 ** 20); // at the limit is fine
    expect(secondsSince(start)).to.be.below(3); // refused up front, nothing built
    // debug_info sums large objects up instead of printing a million items to show the first 75 characters.
    const infoStart = performance.now();
    expect(await client._debugInfo()).to.include('of 1048576 items');
    expect(secondsSince(infoStart)).to.be.below(1);
    expect(await list.length()).to.equal(2);
    await stillServing();
  });

  describe('handshakeTimeout', () => {
    beforeEach(async () => {
      served = await startServer({ handshakeTimeout: 0.3 });
    });

    async function closedWithin(client: RawClient, seconds: number): Promise<void> {
      const start = performance.now();
      await Promise.race([client.closedPromise, sleep(seconds)]);
      expect(client.closed, 'closed by the server').to.equal(true);
      expect(secondsSince(start)).to.be.below(seconds);
    }

    it('drops a peer that says nothing, one that stops half-way, and one that trickles bytes', async () => {
      const silent = await RawClient.connect(served.address);
      const halfWay = await RawClient.connect(served.address);
      await halfWay.readFrame(); // the challenge, never answered
      const trickling = await RawClient.connect(served.address);
      const trickle = setInterval(() => trickling.sendRaw(Buffer.from([0])), 50);
      try {
        await Promise.all([closedWithin(silent, 3), closedWithin(halfWay, 3), closedWithin(trickling, 3)]);
      } finally {
        clearInterval(trickle);
      }
      await stillServing();
    });
  });

  describe('decode limits and the frame size, at the server', () => {
    it('a message over a codec limit closes that connection; its calls reject naming the limit', async () => {
      served = await startServer({ codec: { maxStrLength: 100, maxDepth: 10 } });
      const client = await served.client({ codec: DEFAULT_CODEC_OPTIONS });
      const list = await client.list();
      await list.append('x'.repeat(100));
      const error = await rejectionOf(list.append('x'.repeat(101)));
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(error.cause).to.be.instanceOf(ProtocolError);
      expect(error.message).to.match(/string of 101 bytes/);
      const deep = await served.client({ codec: DEFAULT_CODEC_OPTIONS });
      let nested: unknown = 1;
      for (let i = 0; i < 12; i++) nested = [nested];
      expect((await rejectionOf((await deep.list()).append(nested))).cause).to.be.instanceOf(ProtocolError);
      await stillServing();
    });

    it('a call over maxFrameSize rejects LimitError before it is sent; the connection lives on (docs/protocol.md §3.1)', async () => {
      served = await startServer({ maxFrameSize: 1024 });
      const client = await served.client({ maxFrameSize: undefined });
      const list = await client.list();
      await list.append('y'.repeat(900));
      const error = await rejectionOf(list.append('y'.repeat(2000)));
      expectLimit(error, 'maxFrameSize');
      expect(error.message).to.include('1024');
      expect(await list.length()).to.equal(1);
      await stillServing();
    });

    it('a frame over maxFrameSize from a client that did not ask closes that connection only', async () => {
      served = await startServer({ maxFrameSize: 1024 });
      const raw = await RawClient.authenticated(served.address, served.authkey);
      raw.socket.write(frame([0, 1, null, 'dummy', ['y'.repeat(2000)], null]));
      await raw.closedPromise;
      await stillServing();
    });
  });

  describe('replies a client does not read', () => {
    it('stop the server reading its requests once REPLY_BACKLOG_LIMIT bytes wait; all arrive once it reads', async () => {
      served = await startServer({});
      const owner = await served.client();
      const MiB = 1024 * 1024;
      const big = await owner.list([new Uint8Array(MiB)]);
      const socket = await silentReader(served);
      const requests = 128; // 128 MiB of replies if they were all buffered
      collectGarbage();
      const before = process.memoryUsage();
      for (let id = 1; id <= requests; id++) socket.write(frame([0, id, big._token.id, '__getitem__', [0], null]));
      await sleep(1);
      await stillServing();
      collectGarbage();
      const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
      expect(grown, `${(grown / MiB).toFixed(1)} MiB of replies held`).to.be.below(REPLY_BACKLOG_LIMIT + 8 * MiB);
      // Once the client reads, every reply arrives.
      let received = 0;
      const all = new Promise<void>((resolve) =>
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= requests * MiB) resolve();
        }),
      );
      socket.resume();
      await all;
      socket.destroy();
    });
  });
});

/** A full garbage collection, so that memory figures show what is live. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** A raw authenticated socket that reads nothing until resumed. */
async function silentReader(served: Served<SyncManager>): Promise<net.Socket> {
  const raw = await RawClient.authenticated(served.address, served.authkey);
  raw.socket.removeAllListeners('data');
  raw.socket.pause();
  return raw.socket;
}

function frame(message: unknown): Buffer {
  // Encoded with the plain msgpack library: this client is written from the protocol description.
  const payload = Buffer.from(encodeMessage(message));
  const header = Buffer.alloc(4);
  header.writeInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}
