import { expect } from 'chai';
import { encode } from '@msgpack/msgpack';
import { SyncManager, ValueError, DESCRIPTION_VERSION, type ObjectInfo, type ServerDescription } from '../../lib/index.js';
import { rejection } from '../helpers/assertions.js';
import { RawClient } from '../helpers/raw.js';
import { serve, eventually, type Served } from '../helpers/servers.js';

function object(description: ServerDescription, id: string): ObjectInfo {
  const found = description.objects.find((o) => o.id === id);
  if (found === undefined) throw new Error(`object ${id} not described`);
  return found;
}

/** The client id the server gave `manager`: the only client holding a reference to `probeId`. */
function clientIdOf(description: ServerDescription, probeId: string): number {
  return object(description, probeId).refs[0].client;
}

describe('describe (server introspection)', function () {
  let served: Served<SyncManager>;
  let a: SyncManager;
  let b: SyncManager;

  beforeEach(async function () {
    served = await serve(SyncManager);
    a = await served.client();
    b = await served.client();
  });
  afterEach(async function () {
    await served.close();
  });

  it('describes the server: version, address, pid, connections, calls, bytes, limits', async function () {
    const d = await a._describe();
    expect(d.version).to.equal(DESCRIPTION_VERSION);
    expect(d.server.pid).to.equal(process.pid);
    expect(d.server.address).to.deep.equal(served.address);
    expect(d.server.connections).to.equal(2);
    expect(d.server.calls).to.be.greaterThan(0);
    expect(d.server.bytesIn).to.be.greaterThan(0);
    expect(d.server.bytesOut).to.be.greaterThan(0);
    expect(d.server.memory.rss).to.be.greaterThan(0);
    expect(d.server.tls).to.equal(false);
    expect(d.server.limits).to.include({ maxConnections: 16384, idleTimeout: null, maxFrameSize: 64 * 1024 * 1024, handshakeTimeout: 5 });
    expect(d.server.packageVersion).to.match(/^\d+\.\d+\.\d+/);
    expect(d.clients.map((c) => c.tls)).to.deep.equal([false, false]);
  });

  it('counts calls per second and each client’s calls, objects and bytes', async function () {
    const l = await a.list();
    await Promise.all(Array.from({ length: 200 }, (_, i) => l.append(i)));
    let d = await a._describe();
    const aId = clientIdOf(d, l._token.id);
    const mine = d.clients.find((c) => c.id === aId)!;
    expect(mine.calls).to.be.at.least(201);
    expect(mine.objectsHeld).to.equal(1);
    expect(mine.bytesIn).to.be.greaterThan(200 * 10);
    expect(mine.peer).to.match(/^127\.0\.0\.1:\d+$/);
    const other = d.clients.find((c) => c.id !== aId)!;
    expect(other.objectsHeld).to.equal(0);
    expect(object(d, l._token.id)).to.deep.include({ typeid: 'list', kind: 'list', referent: 'list', createdBy: aId });
    expect(object(d, l._token.id).details).to.deep.equal({ type: 'sized', length: 200 });
    // The rates come from once-a-second samples: wait for one taken after the burst.
    await eventually(async () => {
      d = await a._describe();
      return d.server.callsPerSecond.last60s > 0;
    }, 5);
    expect(d.server.callsPerSecond.last10s).to.be.greaterThan(0);
  });

  it('shows queue depths and waiting getters and putters', async function () {
    const q = await a.Queue<number>(2);
    await q.put(1);
    await q.put(2);
    const qb = (await b._proxyFromRef({ typeid: 'Queue', id: q._token.id, address: served.address })) as typeof q;
    const blockedPut = qb.put(3);
    await eventually(async () => (object(await a._describe(), q._token.id).details as { waitingPutters: number }).waitingPutters === 1);
    const d = await a._describe();
    expect(object(d, q._token.id).details).to.deep.equal({
      type: 'queue',
      size: 2,
      maxsize: 2,
      waitingGetters: 0,
      waitingPutters: 1,
      unfinishedTasks: 2,
    });
    expect(object(d, q._token.id).refs).to.have.length(2);
    expect(object(d, q._token.id).referent).to.equal('Queue');
    await q.get();
    await blockedPut;
  });

  it('names the client holding a lock and those waiting for it', async function () {
    const lock = await a.Lock();
    const probe = await b.list();
    await lock.acquire();
    const lb = (await b._proxyFromRef({ typeid: 'Lock', id: lock._token.id, address: served.address })) as typeof lock;
    const waiting = lb.acquire();
    let d = await a._describe();
    await eventually(async () => {
      d = await a._describe();
      return (object(d, lock._token.id).details as { waiting: number }).waiting === 1;
    });
    const aId = clientIdOf(d, lock._token.id);
    const bId = clientIdOf(d, probe._token.id);
    expect(aId).to.not.equal(bId);
    expect(object(d, lock._token.id).details).to.deep.equal({ type: 'lock', locked: true, holder: aId, level: 1, waiting: 1, waiters: [bId] });
    await lock.release();
    expect(await waiting).to.equal(true);
    d = await a._describe();
    expect(object(d, lock._token.id).details).to.deep.include({ holder: bId, waiting: 0, waiters: [] });
  });

  it('describes RLock levels, semaphores, conditions, events and barriers', async function () {
    const rlock = await a.RLock();
    await rlock.acquire();
    await rlock.acquire();
    const sem = await a.Semaphore(3);
    await sem.acquire();
    const cond = await a.Condition();
    const ev = await a.Event();
    await ev.set();
    const barrier = await a.Barrier(3);
    const arrived = barrier.wait().catch((err: unknown) => err);
    await eventually(async () => (object(await a._describe(), barrier._token.id).details as { waiting: number }).waiting === 1);
    const d = await a._describe();
    const aId = clientIdOf(d, rlock._token.id);
    expect(object(d, rlock._token.id).details).to.deep.include({ type: 'lock', holder: aId, level: 2 });
    expect(object(d, rlock._token.id).referent).to.equal('RLock');
    expect(object(d, sem._token.id).details).to.deep.equal({ type: 'semaphore', value: 2, holders: [{ client: aId, units: 1 }], waiting: 0, waiters: [] });
    expect(object(d, cond._token.id).details).to.deep.equal({ type: 'condition', locked: false, holder: null, waiting: 0, waiters: [] });
    expect(object(d, ev._token.id).details).to.deep.equal({ type: 'event', set: true, waiting: 0 });
    expect(object(d, barrier._token.id).details).to.deep.equal({ type: 'barrier', parties: 3, waiting: 1, broken: false });
    await barrier.abort();
    await arrived;
  });

  it('pages past 10,000 objects', async function () {
    this.timeout(60_000);
    const dict = await a.dict<number, number>();
    // 10,050 objects: created through one container method each would be slow; lists pipelined are not.
    const made = await Promise.all(Array.from({ length: 10_049 }, () => b.list()));
    const first = await a._describe({ clients: false });
    expect(first.objectsTotal).to.equal(10_050);
    expect(first.objects).to.have.length(10_000);
    expect(first.nextObjectsOffset).to.equal(10_000);
    expect(first.clients).to.deep.equal([]);
    const second = await a._describe({ objectsOffset: first.nextObjectsOffset!, clients: false });
    expect(second.objects).to.have.length(50);
    expect(second.nextObjectsOffset).to.equal(null);
    const ids = new Set([...first.objects, ...second.objects].map((o) => o.id));
    expect(ids.size).to.equal(10_050);
    expect(ids.has(dict._token.id)).to.equal(true);
    const small = await a._describe({ objectsLimit: 3, objectsOffset: 1 });
    expect(small.objects.map((o) => o.id)).to.deep.equal(first.objects.slice(1, 4).map((o) => o.id));
    expect(made).to.have.length(10_049);
  });

  it('refuses a bad page with ValueError', async function () {
    expect(await rejection(a._describe({ objectsLimit: 10_001 }))).to.be.instanceOf(ValueError);
    expect(await rejection(a._describe({ objectsOffset: -1 }))).to.be.instanceOf(ValueError);
  });

  it('is not answered before authentication', async function () {
    const raw = await RawClient.connect(served.address);
    try {
      await raw.readFrame(); // the challenge
      raw.sendFrame(encode([0, 1, null, 'describe', [], null]));
      const verdict = await raw.readFrame();
      expect(verdict.toString()).to.equal('#FAILURE#');
      // Nothing follows the verdict: the connection closes without a description.
      expect(await rejection(raw.readFrame())).to.be.instanceOf(Error);
      expect(raw.closed).to.equal(true);
    } finally {
      raw.close();
    }
  });
});
