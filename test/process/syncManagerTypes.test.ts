// CPython's TestSyncManagerTypes: each SyncManager type created (and prepared) by the parent, used
// and changed by a child Process, and checked again by the parent. The `before` hook prepares every
// object, then runs the children two at a time, so that their start-ups overlap; each test waits
// for its child and checks what it did.
import { expect } from 'chai';
import { RuntimeError, SyncManager, Process, ValueError, type BaseProxy } from '../../lib/index.js';
import { eventually, fixture, rejection, trackChildProcesses } from './helpers.js';

/** One type: the parent's setup, the child half in fixtures/process/syncTypes.ts, the parent's check. */
interface Case {
  name: string;
  worker: string;
  setup(): Promise<BaseProxy>;
  check(obj: any): Promise<unknown>;
}

describe('SyncManager types used from a child Process (CPython TestSyncManagerTypes)', function () {
  this.timeout(90_000);
  const children = trackChildProcesses();
  let manager: SyncManager;
  /** As CPython's: what a client held stays held after it disconnects (this library's default releases it). */
  let keepsHeld: SyncManager;

  const cases: Case[] = [
    {
      name: 'Event',
      worker: 'event',
      setup: async () => {
        const o = await manager.Event();
        await o.set();
        return o;
      },
      check: async (o) => {
        expect(await o.isSet()).to.equal(false);
        expect(await o.wait(0.001)).to.equal(false);
      },
    },
    {
      name: 'Lock (acquired by the child, released by the parent: a Lock has no owner)',
      worker: 'lock',
      setup: () => keepsHeld.Lock(),
      check: async (o) => {
        await o.release();
        expect(await rejection(() => o.release())).to.be.instanceOf(RuntimeError);
      },
    },
    {
      name: 'Lock with the default releaseOnDisconnect: the exited child no longer holds it',
      worker: 'lock',
      setup: () => manager.Lock(),
      check: async (o) => expect(await o.acquire(false)).to.equal(true),
    },
    { name: 'RLock', worker: 'rlock', setup: () => manager.RLock(), check: async (o) => expect(await o.acquire(false)).to.equal(true) },
    ...(['Semaphore', 'BoundedSemaphore'] as const).map(
      (kind): Case => ({
        name: kind,
        worker: 'semaphore',
        setup: () => keepsHeld[kind](),
        check: async (o) => {
          expect(await o.acquire(false)).to.equal(false); // the child's unit is still taken
          await o.release();
        },
      }),
    ),
    { name: 'Condition', worker: 'condition', setup: () => manager.Condition(), check: async (o) => expect(await o.acquire(false)).to.equal(true) },
    { name: 'Barrier', worker: 'barrier', setup: () => manager.Barrier(5), check: async (o) => expect(await o.broken()).to.equal(false) },
    {
      name: 'Pool',
      worker: 'pool',
      setup: () => manager.Pool(2, { module: fixture('poolFunctions') }),
      check: async (o) => expect(await rejection(() => o.map('sqr', [1]))).to.be.instanceOf(ValueError), // the child terminated it
    },
    ...(['Queue', 'JoinableQueue'] as const).map(
      (kind): Case => ({
        name: kind,
        worker: 'queue',
        setup: async () => {
          const o = await manager[kind]<number>(2);
          await o.put(5);
          await o.put(6);
          return o;
        },
        check: async (o) => {
          expect(await o.empty()).to.equal(true);
          expect(await o.full()).to.equal(false);
        },
      }),
    ),
    {
      name: 'list',
      worker: 'list',
      setup: async () => {
        const o = await manager.list<number>();
        await o.append(5);
        return o;
      },
      check: async (o) => expect(await o.length()).to.equal(0),
    },
    {
      name: 'dict',
      worker: 'dict',
      setup: async () => {
        const o = await manager.dict<string, number>();
        await o.set('foo', 5);
        return o;
      },
      check: async (o) => expect(await o.length()).to.equal(0),
    },
    { name: 'Value', worker: 'value', setup: () => manager.Value('i', 1), check: async (o) => expect(await o.get()).to.equal(2) },
    { name: 'Array', worker: 'array', setup: () => manager.Array('i', [0, 1]), check: async () => undefined },
    {
      name: 'Namespace',
      worker: 'namespace',
      setup: async () => {
        const o = await manager.Namespace();
        await o.set('x', 0);
        await o.set('y', 1);
        return o;
      },
      check: async () => undefined,
    },
  ];
  const running = new Map<Case, { obj: BaseProxy; child: Process }>();

  before(async () => {
    manager = new SyncManager({ poolModules: [fixture('poolFunctions')] });
    keepsHeld = new SyncManager({ releaseOnDisconnect: false });
    await Promise.all([manager.start(), keepsHeld.start()]);
    const prepared: [Case, BaseProxy][] = [];
    for (const c of cases) prepared.push([c, await c.setup()]);
    // Two children at a time: one per core (more would only compete for them).
    const launchNext = (): void => {
      const next = prepared.shift();
      if (next === undefined) return;
      const [c, obj] = next;
      const child = new Process({ module: fixture('syncTypes'), export: c.worker, args: [obj] });
      child.start();
      running.set(c, { obj, child });
      void child.join().then(launchNext);
    };
    launchNext();
    launchNext();
  });
  after(async () => {
    for (const { child } of running.values()) if (child.isAlive()) child.kill();
    await Promise.all([manager.shutdown(), keepsHeld.shutdown()]);
    await children.expectNoneLeft();
  });

  for (const c of cases) {
    it(c.name, async () => {
      await eventually(() => running.has(c), 80);
      const { obj, child } = running.get(c)!;
      expect(await child.join(80), `exit code of the ${c.worker} worker`).to.equal(0);
      await c.check(obj);
    });
  }
});
