// The server killed or shut down mid-call: every pending call and waiter settles promptly with
// ConnectionClosedError, nothing hangs, and a gracefully shut down server process exits with 0.
import { expect } from 'chai';
import { SyncManager, ConnectionClosedError } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { Child, killAll, rejectionOf, secondsSince } from './helpers.js';

describe('reliability: the server going away mid-call', function () {
  this.timeout(30_000);
  const children: Child[] = [];
  const managers: SyncManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    await killAll(children);
  });

  async function startServer(): Promise<{ server: Child; address: any }> {
    const server = new Child('server.ts', {});
    children.push(server);
    return { server, address: await server.line('listening') };
  }

  async function client(address: any): Promise<SyncManager> {
    const manager = new SyncManager({ address, authkey: 'test-key' });
    managers.push(manager);
    await manager.connect();
    return manager;
  }

  /** Calls of two clients waiting in every kind of wait, plus a stream of quick calls. */
  async function pendingEverywhere(a: SyncManager, b: SyncManager): Promise<Promise<unknown>[]> {
    const lock = await a.Lock();
    await lock.acquire();
    const queue = await a.Queue();
    const joinable = await a.JoinableQueue();
    await joinable.put('never done');
    const condition = await a.Condition();
    await condition.acquire();
    const barrier = await a.Barrier(3);
    const semaphore = await a.Semaphore(0);
    const event = await a.Event();
    const list = await b.list();
    const [lockB, queueB, barrierB] = await Promise.all([lock, queue, barrier].map((p) => b._proxyFromRef(proxyRef(p))));
    const pending = [
      queue.get(),
      queueB.get(true, 60),
      lockB.acquire(),
      joinable.join(),
      condition.wait(),
      barrier.wait(),
      barrierB.wait(),
      semaphore.acquire(),
      event.wait(),
      ...Array.from({ length: 50 }, (_, i) => list.append(i)),
    ];
    await Promise.all([a._numberOfObjects(), b._numberOfObjects()]); // every wait has reached the server
    return pending;
  }

  it('killed (SIGKILL): every pending call rejects ConnectionClosedError at once, later calls too', async () => {
    const { server, address } = await startServer();
    const [a, b] = [await client(address), await client(address)];
    const pending = await pendingEverywhere(a, b);
    const settled = Promise.allSettled(pending);
    const start = performance.now();
    await server.kill();
    const outcomes = await settled;
    expect(secondsSince(start)).to.be.below(3);
    const waits = outcomes.slice(0, 9);
    for (const outcome of waits) {
      expect(outcome.status).to.equal('rejected');
      expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionClosedError);
    }
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(ConnectionClosedError);
    }
    expect(await rejectionOf(a.list())).to.be.instanceOf(ConnectionClosedError);
  });

  it('shut down gracefully: every pending call and waiter settles, and the server process exits with 0', async () => {
    const { server, address } = await startServer();
    const [a, b] = [await client(address), await client(address)];
    const pending = await pendingEverywhere(a, b);
    const admin = await client(address);
    const settled = Promise.allSettled(pending);
    const start = performance.now();
    await admin.shutdown();
    const outcomes = await settled;
    expect(secondsSince(start)).to.be.below(5);
    for (const outcome of outcomes.slice(0, 9)) {
      expect(outcome.status).to.equal('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).to.be.instanceOf(ConnectionClosedError);
      expect(reason.message).to.match(/shut down/);
    }
    expect(await server.line('stopped')).to.equal(true);
    expect(await server.exited).to.deep.equal({ code: 0, signal: null });
    expect(secondsSince(start)).to.be.below(10);
    expect(await rejectionOf(b.list())).to.be.instanceOf(ConnectionClosedError);
  });
});
