// Redis objects across real processes: a proxy passed to a Process (the child reconnects with the
// same options, sent over IPC), and what a holder's death leaves behind once its lease runs out:
// nothing held (a lock is free again, with a newer fencing token) and nothing lost (an item taken by
// a consumer that died goes back to the head of the queue).
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { BrokenBarrierError, Process, RedisManager, fencingToken } from '../../lib/index.js';
import { rejectionOf } from '../helpers/assertions.js';
import { RedisServer } from './helpers/redisServer.js';

const targets = fileURLToPath(new URL('../fixtures/redis/targets.ts', import.meta.url));

async function until(predicate: () => Promise<boolean>, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('redis/processes', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let m: RedisManager;
  before(async () => {
    server = await RedisServer.start();
    m = new RedisManager({ url: server.url, lease: 1 });
    await m.connect();
  });
  after(async () => {
    await m.close();
    await server.stop();
  });

  it('a proxy passed to a Process works in the child, which reconnects on its own', async () => {
    const list = await m.list<unknown>();
    const p = new Process({ module: targets, export: 'append', args: [list, { from: 'child' }] });
    p.start();
    expect(await p.join(20)).to.equal(0);
    expect(await list._getValue()).to.deep.equal([{ from: 'child' }]);
  });

  it('the options reach the child over IPC, not in its command line', async () => {
    const list = await m.list<unknown>();
    const secretManager = new RedisManager({ url: server.url, lease: 1, connectionName: 'secret-in-options' });
    await secretManager.connect();
    try {
      const shared = await secretManager._proxyFromRef({ typeid: 'list', address: list._token.address!, id: list._token.id });
      const p = new Process({ module: targets, export: 'takeAndHang', args: [await m.Queue(), shared] });
      p.start();
      await until(async () => p.pid !== undefined);
      const { readFileSync } = await import('node:fs');
      const argv = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
      expect(argv).to.not.include('secret-in-options');
      expect(argv).to.not.include(server.url);
      p.kill();
      await p.join();
    } finally {
      await secretManager.close();
    }
  });

  it('an item taken by a consumer that dies is requeued at the head once its lease expires', async () => {
    const queue = await m.JoinableQueue<string>();
    const taken = await m.list<unknown>();
    await queue.put('first');
    await queue.put('second');
    const p = new Process({ module: targets, export: 'takeAndHang', args: [queue, taken] });
    p.start();
    await until(async () => (await taken.length()) === 1);
    expect(await taken.get(0)).to.equal('first');
    p.kill();
    await p.join();
    expect(await queue.get(true, 10)).to.equal('second');
    // Once the dead consumer's lease (1 s) runs out, a waiting get reaps it: 'first' is back.
    expect(await queue.get(true, 10)).to.equal('first');
    await queue.taskDone();
    await queue.taskDone();
    await queue.join();
  });

  it('a lock held by a process that dies is free again after its lease, with a newer fencing token', async () => {
    const lock = await m.Lock();
    const held = await m.list<unknown>();
    const ready = await m.Event();
    const p = new Process({ module: targets, export: 'lockAndHang', args: [lock, held, ready] });
    p.start();
    expect(await ready.wait(20)).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    const childToken = (await held.get(0)) as number;
    p.kill();
    await p.join();
    expect(await lock.acquire(true, 10)).to.equal(true);
    expect(await fencingToken(lock)).to.be.greaterThan(childToken);
    await lock.release();
    expect(await fencingToken(lock)).to.equal(null);
  });

  it('a semaphore unit held by a process that dies comes back after its lease', async () => {
    const sem = await m.Semaphore(1);
    const ready = await m.Event();
    const p = new Process({ module: targets, export: 'semaphoreAndHang', args: [sem, ready] });
    p.start();
    expect(await ready.wait(20)).to.equal(true);
    expect(await sem.acquire(false)).to.equal(false);
    p.kill();
    await p.join();
    expect(await sem.acquire(true, 10)).to.equal(true);
  });

  it('a barrier party that dies while waiting breaks the barrier for the others', async () => {
    const barrier = await m.Barrier(3);
    const ready = await m.Event();
    const p = new Process({ module: targets, export: 'barrierAndHang', args: [barrier, ready] });
    p.start();
    expect(await ready.wait(20)).to.equal(true);
    await until(async () => (await barrier.nWaiting()) === 1);
    const waiting = barrier.wait();
    p.kill();
    await p.join();
    expect(await rejectionOf(waiting)).to.be.instanceOf(BrokenBarrierError);
  });

  it('JoinableQueue: join() in the parent waits for consumers in two processes', async () => {
    const queue = await m.JoinableQueue<number>();
    const out = await m.list<number>();
    for (let i = 0; i < 6; i++) await queue.put(i);
    const consumers = [0, 1].map(() => new Process({ module: targets, export: 'consume', args: [queue, out, 3] }));
    for (const c of consumers) c.start();
    await queue.join();
    for (const c of consumers) expect(await c.join(20)).to.equal(0);
    expect((await out._getValue()).sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });
});
