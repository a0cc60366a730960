// Our client with serializer 'pickle' drives stock CPython manager servers (3.11 with legacyAuth,
// 3.12, 3.13): SyncManager's types through our proxies, typed errors arriving as our classes, and a
// BaseManager server whose typeids are Python callables.
import { expect } from 'chai';
import {
  BaseManager,
  SyncManager,
  Empty,
  KeyError,
  RemoteError,
  AuthenticationError,
  ListProxy,
  AbortError,
  Process,
  tuple,
  frozenset,
  type AutoProxy,
} from '../../lib/index.js';
import { runPythonScript, startPythonServer, type PythonServer, type PythonVersion } from './pythonRun.js';
import { rejectionOf } from '../helpers/assertions.js';

class PyBase extends BaseManager {
  declare get_list: () => Promise<AutoProxy>;
  declare Maths: () => Promise<AutoProxy>;
}
PyBase.register('get_list');
PyBase.register('Maths');

describe('pickle client: our proxies against CPython manager servers', function () {
  this.timeout(180_000);
  const servers: PythonServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  for (const version of ['3.12', '3.13', '3.11'] as PythonVersion[]) {
    it(`CPython ${version} SyncManager server: every type, nested proxies, typed errors`, async () => {
      const py = await startPythonServer(version, 'py_server.py', ['sync', 'secret']);
      servers.push(py);
      const m = new SyncManager({ address: ['127.0.0.1', py.port], authkey: 'secret', serializer: 'pickle', legacyAuth: version === '3.11' });
      await m.connect();
      try {
        const l = await m.list<unknown>([1, 2]);
        await l.append(2n ** 70n);
        expect(await l._getValue()).to.deep.equal([1, 2, 2n ** 70n]);
        expect(await l.length()).to.equal(3);
        expect(await l.slice(0, 2)).to.deep.equal([1, 2]);

        const d = await m.dict<string, unknown>();
        await d.set('a', new Uint8Array([1, 2]));
        expect(await d.get('a')).to.deep.equal(new Uint8Array([1, 2]));
        expect(await rejectionOf(d.getItem('missing'))).to.be.instanceOf(KeyError);
        await d.set('inner', l);
        const inner = await d.getItem('inner');
        expect(inner).to.be.instanceOf(ListProxy);
        await (inner as ListProxy<unknown>).append('via nested');
        expect(await l.get(-1)).to.equal('via nested');
        const keys: unknown[] = [];
        for await (const key of d) keys.push(key);
        expect(keys.sort()).to.deep.equal(['a', 'inner']);

        const ns = await m.Namespace<Record<string, unknown>>({ x: 1 });
        await ns.set('y', 'two');
        expect(await ns.get('x')).to.equal(1);
        expect(await ns.get('y')).to.equal('two');

        const v = await m.Value('i', 5);
        await v.set(6);
        expect(await v.get()).to.equal(6);
        const a = await m.Array('d', [0.5, 1.5]);
        await a.set(0, 2.5);
        expect(await a.get(0)).to.equal(2.5);
        expect(await a.length()).to.equal(2);

        const q = await m.Queue<string>();
        await q.put('x');
        expect(await q.get()).to.equal('x');
        expect(await rejectionOf(q.get(true, 0.05))).to.be.instanceOf(Empty);

        const lock = await m.Lock();
        expect(await lock.acquire()).to.equal(true);
        expect(await lock.acquire(false)).to.equal(false);
        await lock.release();
        const rlock = await m.RLock();
        await rlock.acquire();
        await rlock.acquire();
        await rlock.release();
        await rlock.release();
        const sem = await m.Semaphore(1);
        await sem.acquire();
        expect(await sem.acquire(true, 0.05)).to.equal(false);
        await sem.release();

        const cond = await m.Condition();
        await cond.acquire();
        expect(await cond.wait(0.05)).to.equal(false);
        await cond.notifyAll();
        await cond.release();

        const ev = await m.Event();
        const waiting = ev.wait(5);
        await ev.set();
        expect(await waiting).to.equal(true);

        const barrier = await m.Barrier(2);
        expect((await Promise.all([barrier.wait(), barrier.wait()])).sort()).to.deep.equal([0, 1]);
        expect(await barrier.parties()).to.equal(2);

        for (const proxy of [l, d, inner, ns, v, a, q, lock, rlock, sem, cond, ev, barrier] as { _release(): Promise<void> }[]) await proxy._release();
        expect(await m._numberOfObjects()).to.equal(0);
      } finally {
        await m.close();
      }
    });
  }

  it('a CPython BaseManager server with Python callables: AutoProxies, a Python exception as RemoteError', async () => {
    const py = await startPythonServer('3.12', 'py_server.py', ['base', 'secret']);
    servers.push(py);
    const m = new PyBase({ address: ['127.0.0.1', py.port], authkey: 'secret', serializer: 'pickle' });
    await m.connect();
    try {
      const maths = await m.Maths();
      expect(await (maths as any).double(21)).to.equal(42);
      const failure = await rejectionOf((maths as any).fail());
      expect(failure).to.be.instanceOf(RemoteError).with.property('remoteName', 'ZeroDivisionError');
      const shared = await m.get_list();
      await (shared as any).append('from node');
      expect(await shared._getValue()).to.deep.equal(['from python', 'from node']);
    } finally {
      await m.close();
    }
  });

  it('a wrong key, and a 3.11 server without legacyAuth, are refused with AuthenticationError', async () => {
    const py12 = await startPythonServer('3.12', 'py_server.py', ['sync', 'secret']);
    const py11 = await startPythonServer('3.11', 'py_server.py', ['sync', 'secret']);
    servers.push(py12, py11);
    const wrongKey = new SyncManager({ address: ['127.0.0.1', py12.port], authkey: 'wrong', serializer: 'pickle' });
    expect(await rejectionOf(wrongKey.connect())).to.be.instanceOf(AuthenticationError);
    const legacy = new SyncManager({ address: ['127.0.0.1', py11.port], authkey: 'secret', serializer: 'pickle' });
    expect(await rejectionOf(legacy.connect())).to.be.instanceOf(AuthenticationError).with.property('message').match(/MD5/);
  });
});

describe('pickle mode with start(): a server child process', function () {
  this.timeout(180_000);

  it('our client and a stock CPython client share a dict of a started pickle-mode SyncManager', async () => {
    const m = new SyncManager({ authkey: 'secret', serializer: 'pickle' });
    await m.start();
    try {
      const d = await m.dict<string, unknown>({ node: 1 });
      const [, port] = m.address as [string, number];
      const run = await runPythonScript('3.12', 'set_in_dict.py', [String(port), 'secret', d._token.id]);
      expect(run.stderr).to.equal('');
      expect(await d.get('python')).to.deep.equal(['node']);
    } finally {
      await m.shutdown();
    }
    expect(m._process?.exitCode).to.equal(0);
  });
});

describe('pickle mode, Node to Node: our client against our own pickle server', function () {
  this.timeout(30_000);

  it('values keep their Python types; aborting a waiting get closes its connection and loses no item', async () => {
    const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'secret', serializer: 'pickle' }).getServer();
    const address = await server.listen();
    const m = new SyncManager({ address, authkey: 'secret', serializer: 'pickle' });
    await m.connect();
    try {
      const l = await m.list<unknown>();
      const value = [tuple<unknown>(1, 'a'), 2n ** 64n, new Map<unknown, unknown>([[1, 'one']]), { s: new Uint8Array([7]) }, frozenset([3])];
      await l.extend(value);
      expect(await l._getValue()).to.deep.equal(value);

      const q = await m.Queue<string>();
      const ac = new AbortController();
      const waiting = q.get(true, null, { signal: ac.signal });
      setTimeout(() => ac.abort(), 100);
      expect(await rejectionOf(waiting)).to.be.instanceOf(AbortError);
      await q.put('kept');
      expect(await q.get(true, 5)).to.equal('kept'); // the aborted get did not take it
    } finally {
      await m.close();
      await server.close();
    }
  });
});

describe('pickle mode: a proxy passed to a Node child Process', function () {
  this.timeout(60_000);

  it('rebuilds in the child over pickle connections, works, and gives its reference back', async () => {
    const server = new SyncManager({ address: ['127.0.0.1', 0], serializer: 'pickle' }).getServer(); // the process authkey
    const address = await server.listen();
    const m = new SyncManager({ address, serializer: 'pickle' });
    await m.connect();
    try {
      const list = await m.list<unknown>();
      const child = new Process({ module: new URL('../fixtures/process/targets.ts', import.meta.url), export: 'append', args: [list, 'from the child'] });
      child.start();
      expect(await child.join()).to.equal(0);
      expect(await list._getValue()).to.deep.equal(['from the child']);
      expect(server.table.get(list._token.id).externalRefs).to.equal(1); // only ours: the child released its own
    } finally {
      await m.close();
      await server.close();
    }
  });
});
