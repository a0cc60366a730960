// A peer that vanishes without closing its socket (SIGSTOP: the kernel still acknowledges, nothing
// answers) is detected by the heartbeat within heartbeatTimeout + 2 × heartbeatInterval, and then
// treated as disconnected, in both directions. Without a heartbeat it is never detected.
import { expect } from 'chai';
import { SyncManager, ConnectionClosedError, ValueError } from '../../lib/index.js';
import { Connection, Listener } from '../../lib/connection/index.js';
import { Heartbeat } from '../../lib/connection/heartbeat.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { serve, type Served } from '../helpers/servers.js';
import { Child, killAll, rejectionOf, secondsSince, settledWithin, sleep } from './helpers.js';

const HEARTBEAT = { heartbeatInterval: 0.2, heartbeatTimeout: 0.6 };
/** heartbeatTimeout + 2 × interval, plus generous slack for two shared cores. */
const DETECTION_BOUND = 0.6 + 0.4 + 3;

describe('reliability: heartbeat', function () {
  this.timeout(30_000);
  const children: Child[] = [];
  afterEach(() => killAll(children));

  describe('the server detects a stopped client', () => {
    let served: Served<SyncManager>;
    afterEach(() => served.close());

    async function stoppedHolder(): Promise<{ lock: Awaited<ReturnType<SyncManager['Lock']>> }> {
      const parent = await served.client();
      const lock = await parent.Lock();
      const child = new Child('client.ts', { address: served.address, scenario: 'hold-lock', refs: { lock: proxyRef(lock) } });
      children.push(child);
      await child.line('held');
      child.signal('SIGSTOP');
      return { lock };
    }

    it('drops its connection and releases its lock within the bound', async () => {
      served = await serve(SyncManager, HEARTBEAT);
      const { lock } = await stoppedHolder();
      const start = performance.now();
      expect(await lock.acquire(true, 15)).to.equal(true);
      expect(secondsSince(start)).to.be.below(DETECTION_BOUND);
      expect(served.server.connectionCount).to.equal(1);
    });

    it('without a heartbeat, a stopped client keeps its lock (nothing detects it)', async () => {
      served = await serve(SyncManager);
      const { lock } = await stoppedHolder();
      expect(await lock.acquire(true, 1.5)).to.equal(false);
      expect(served.server.connectionCount).to.equal(2);
    });

    it('keeps an idle but live client: its pongs are signs of life', async () => {
      served = await serve(SyncManager, { heartbeatInterval: 0.05, heartbeatTimeout: 0.15 });
      const client = await served.client();
      const list = await client.list([1]);
      await sleep(1);
      expect(await list._getValue()).to.deep.equal([1]);
    });
  });

  describe('the client detects a stopped server', () => {
    async function stoppedServerWithPendingGet(options: object): Promise<{ pending: Promise<unknown>; manager: SyncManager }> {
      const server = new Child('server.ts', {});
      children.push(server);
      const address = await server.line('listening');
      const manager = new SyncManager({ address, authkey: 'test-key', ...options });
      await manager.connect();
      const queue = await manager.Queue();
      const pending = queue.get();
      await manager._numberOfObjects(); // the get has reached the server
      server.signal('SIGSTOP');
      return { pending, manager };
    }

    it('rejects pending and later calls with ConnectionClosedError within the bound', async () => {
      const { pending, manager } = await stoppedServerWithPendingGet(HEARTBEAT);
      const start = performance.now();
      const error = await rejectionOf(pending);
      expect(secondsSince(start)).to.be.below(DETECTION_BOUND);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(error.message).to.match(/heartbeat/);
      expect(await rejectionOf(manager.list())).to.be.instanceOf(ConnectionClosedError);
      await manager.close();
    });

    it('without a heartbeat, a call to a stopped server stays pending', async () => {
      const { pending, manager } = await stoppedServerWithPendingGet({});
      expect(await settledWithin(pending, 1.5)).to.equal('pending');
      await manager.close();
      expect(await rejectionOf(pending)).to.be.instanceOf(ConnectionClosedError);
    });

  });

  describe('the Heartbeat of one connection', () => {
    let listener: Listener;
    let connection: Connection;
    const accepted: Connection[] = [];
    const settings = { intervalMs: 100, timeoutMs: 300 };

    beforeEach(async () => {
      listener = await Listener.listen(['127.0.0.1', 0], { authkey: 'k' });
      listener.onConnection = (peer) => accepted.push(peer); // a live peer that never says anything
      connection = await Connection.connect(listener.address, { authkey: 'k' });
    });
    afterEach(async () => {
      connection.destroy();
      for (const peer of accepted.splice(0)) peer.destroy();
      await listener.close();
    });

    it('destroys a silent connection with ConnectionClosedError between timeout and timeout + 2 intervals', async () => {
      // Longer settings than the other cases: a tick over 2 intervals late (a stall of this process
      // of 500 ms) restarts the count by design, and must stay unlikely on a loaded machine.
      const slow = { intervalMs: 250, timeoutMs: 750 };
      const closed = new Promise<Error | undefined>((resolve) => (connection.onClose = resolve));
      const start = performance.now();
      const heartbeat = new Heartbeat(connection, slow, () => {}); // pings nobody answers
      // The upper bound is measured by this event loop's own timer, started with the heartbeat:
      // when the machine is loaded both are late alike, so the bound stays timeout + 2 intervals.
      let deadline: NodeJS.Timeout | undefined;
      const bound = new Promise<'bound'>((resolve) => (deadline = setTimeout(() => resolve('bound'), slow.timeoutMs + 2 * slow.intervalMs)));
      const first = await Promise.race([closed.then(() => 'closed' as const), bound]);
      clearTimeout(deadline);
      expect(first, 'the close came before the timeout + 2 intervals timer').to.equal('closed');
      const error = await closed;
      heartbeat.stop();
      expect(error).to.be.instanceOf(ConnectionClosedError);
      // Never early: it measures the silence with the same clock as this.
      expect(secondsSince(start)).to.be.at.least(slow.timeoutMs / 1000);
    });

    it('does not mistake its own blocked event loop for a silent peer', async () => {
      const heartbeat = new Heartbeat(connection, settings, () => {});
      const blockedUntil = Date.now() + 1000; // far past the timeout, with nothing read meanwhile
      while (Date.now() < blockedUntil);
      await sleep(0.05); // the first tick after the block has run
      expect(connection.closed).to.equal(false);
      heartbeat.stop();
    });
  });
  it('refuses invalid heartbeat settings with ValueError', async () => {
    expect(() => new SyncManager({ authkey: 'k', heartbeatInterval: 0 }).getServer()).to.throw(ValueError, /heartbeatInterval/);
    expect(() => new SyncManager({ authkey: 'k', heartbeatInterval: 1, heartbeatTimeout: 0.5 }).getServer()).to.throw(
      ValueError,
      /heartbeatTimeout/,
    );
    const served = await serve(SyncManager);
    const error = await rejectionOf(served.client({ heartbeatInterval: -1 }));
    expect(error).to.be.instanceOf(ValueError);
    await served.close();
  });
});
