// CPython's TestSyncManagerTypes: the parent creates a shared object, a child process
// (test/fixtures/sync/typeWorker.ts, one process for the whole file, a new connection per test)
// reads and changes it, and the parent sees the result. The Lock and Semaphore cases differ from
// CPython by design when the child leaves holding them: see the releaseOnDisconnect cases.
import { expect } from 'chai';
import { SyncManager, RuntimeError, ValueError, type BaseProxy } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { serve, type Served } from '../helpers/servers.js';
import type { TypeWorkerAnswer, TypeWorkerJob, WorkerName } from '../fixtures/sync/typeWorker.js';
import { ChildClient, rejectionOf, untilConnections } from './helpers.js';

describe('sync: shared types used by a child process (TestSyncManagerTypes)', function () {
  this.timeout(30_000);

  let worker: ChildClient;
  let served: Served<SyncManager>;
  let keeping: Served<SyncManager>;
  let m: SyncManager;
  let nextJob = 1;
  before(async () => {
    worker = new ChildClient('typeWorker.ts', []);
    served = await serve(SyncManager);
    keeping = await serve(SyncManager, { releaseOnDisconnect: false });
    m = await served.client();
  });
  after(async () => {
    await worker.end();
    await served.close();
    await keeping.close();
  });

  /** Runs CPython's `_test_<name>` on `obj` in the child, and waits until its connection is gone. */
  async function runWorker(name: WorkerName, obj: BaseProxy, on: Served<SyncManager> = served): Promise<void> {
    const connections = on.server.connectionCount;
    const job: TypeWorkerJob = { id: nextJob++, address: on.address, authkey: Buffer.from(on.authkey).toString(), ref: proxyRef(obj), worker: name };
    worker.send(JSON.stringify(job));
    const answer = JSON.parse((await worker.line(`{"id":${job.id},`)).trim()) as TypeWorkerAnswer;
    expect(answer.error ?? '').to.equal('');
    expect(answer.ok).to.equal(true);
    await untilConnections(on, connections);
  }

  it('Event', async () => {
    const o = await m.Event();
    await o.set();
    await runWorker('event', o);
    expect(await o.isSet()).to.equal(false);
    expect(await o.wait(0.001)).to.equal(false);
  });

  it('Lock: a lock the child left holding is released when it disconnects (CPython keeps it)', async () => {
    const o = await m.Lock();
    await runWorker('lock', o);
    const error = await rejectionOf(o.release());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('release unlocked lock');
  });

  it('Lock with releaseOnDisconnect: false: the parent releases it, as in CPython', async () => {
    const client = await keeping.client();
    const o = await client.Lock();
    await runWorker('lock', o, keeping);
    await o.release();
    expect(await rejectionOf(o.release())).to.be.instanceOf(RuntimeError);
  });

  it('RLock', async () => {
    const o = await m.RLock();
    await runWorker('rlock', o);
    expect(await o.acquire(false)).to.equal(true);
    await o.release();
  });

  for (const typeid of ['Semaphore', 'BoundedSemaphore'] as const) {
    it(`${typeid}: the unit the child left holding comes back when it disconnects`, async () => {
      const o = await m[typeid]();
      await runWorker('semaphore', o);
      expect(await o.acquire(false)).to.equal(true);
      await o.release();
      if (typeid === 'BoundedSemaphore') expect(await rejectionOf(o.release())).to.be.instanceOf(ValueError);
    });

    it(`${typeid} with releaseOnDisconnect: false: the parent releases the unit, as in CPython`, async () => {
      const client = await keeping.client();
      const o = await client[typeid]();
      await runWorker('semaphore', o, keeping);
      expect(await o.acquire(false)).to.equal(false);
      await o.release();
      expect(await o.acquire(false)).to.equal(true);
    });
  }

  it('Condition', async () => {
    const o = await m.Condition();
    await runWorker('condition', o);
    expect(await o.acquire(false)).to.equal(true);
    await o.release();
  });

  it('Barrier', async () => {
    const o = await m.Barrier(5);
    await runWorker('barrier', o);
    expect(await o.broken()).to.equal(false);
  });

  for (const typeid of ['Queue', 'JoinableQueue'] as const) {
    it(typeid, async () => {
      const o = await m[typeid]<number>(2);
      await o.put(5);
      await o.put(6);
      await runWorker('queue', o);
      expect(await o.empty()).to.equal(true);
      expect(await o.full()).to.equal(false);
    });
  }

  it('list', async () => {
    const o = await m.list<number>();
    await o.append(5);
    await runWorker('list', o);
    expect(await o.length()).to.equal(0);
  });

  it('dict', async () => {
    const o = await m.dict<string, number>();
    await o.set('foo', 5);
    await runWorker('dict', o);
    expect(await o.length()).to.equal(0);
  });

  it('Value', async () => {
    const o = await m.Value('i', 1);
    await runWorker('value', o);
    expect(await o.get()).to.equal(2);
  });

  it('Array', async () => {
    const o = await m.Array('i', [0, 1]);
    await runWorker('array', o);
  });

  it('Namespace', async () => {
    const o = await m.Namespace();
    await o.set('x', 0);
    await o.set('y', 1);
    await runWorker('namespace', o);
  });
});
