// BaseManager.start() / shutdown(): a manager's server in a real child process.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  AuthenticationError,
  AttributeError,
  BaseManager,
  ManagerError,
  Process,
  SyncManager,
  TypeError as PyTypeError,
  ValueError,
  type DictProxy,
} from '../../lib/index.js';
import { defaultAuthkey } from '../../lib/manager/authkey.js';
import { MyManager } from '../fixtures/process/myManager.js';
import { commandLine, environment, eventually, expectNoLeftoverProcesses, fixture, isRunning, rejection, trackChildProcesses } from './helpers.js';

describe('BaseManager.start()', function () {
  this.timeout(60_000);
  expectNoLeftoverProcesses();

  it('SyncManager().start() serves from a child process; shutdown() stops it with exit code 0', async () => {
    const m = new SyncManager();
    await m.start();
    const pid = m._process!.pid!;
    expect(pid).to.be.a('number').and.not.equal(process.pid);
    expect(isRunning(pid)).to.equal(true);
    const [host, port] = m.address as [string, number];
    expect(host).to.equal('127.0.0.1');
    expect(port).to.be.greaterThan(0);
    const list = await m.list([1, 2]);
    await list.append(3);
    expect(await list._getValue()).to.deep.equal([1, 2, 3]);
    expect(m._process!.exitCode).to.equal(null);
    await m.shutdown();
    expect(m._process!.exitCode).to.equal(0);
    expect(isRunning(pid)).to.equal(false);
    await m.shutdown(); // again: nothing to do
  });

  it('the server uses the manager authkey, which never appears on the child command line', async () => {
    const m = new SyncManager({ authkey: 'secret-key-4711' });
    await m.start();
    try {
      const pid = m._process!.pid!;
      const cmdline = commandLine(pid);
      expect(cmdline).not.to.include('secret-key-4711');
      expect(cmdline).not.to.include(Buffer.from('secret-key-4711').toString('hex'));
      // The process authkey is inherited through the environment only.
      const processKey = Buffer.from(defaultAuthkey()).toString('hex');
      expect(cmdline).not.to.include(processKey);
      expect(environment(pid).get('MPMANAGERS_AUTHKEY')).to.equal(processKey);
      // The parent's loader flags are carried over (this suite runs under tsx).
      for (const flag of process.execArgv) expect(cmdline).to.include(flag);

      const wrong = new SyncManager({ address: m.address, authkey: 'another-key' });
      expect(await rejection(() => wrong.connect())).to.be.instanceOf(AuthenticationError);
      const right = new SyncManager({ address: m.address, authkey: 'secret-key-4711' });
      await right.connect();
      expect(await (await right.list(['ok']))._getValue()).to.deep.equal(['ok']);
      await right.close();
    } finally {
      await m.shutdown();
    }
  });

  it('calls before start/connect, a second start and start after shutdown are ManagerErrors', async () => {
    const m = new SyncManager();
    expect(await rejection(() => m.list())).to.be.instanceOf(ManagerError).with.property('message').that.match(/start\(\)/);
    expect(await rejection(() => m.shutdown())).to.be.instanceOf(ManagerError);
    await m.start();
    expect(await rejection(() => m.start())).to.be.instanceOf(ManagerError).with.property('message').that.match(/already been started/);
    expect(await rejection(() => m.connect())).to.be.instanceOf(ManagerError);
    await m.shutdown();
    expect(await rejection(() => m.list())).to.be.instanceOf(ManagerError);
    expect(await rejection(() => m.start())).to.be.instanceOf(ManagerError);

    const connected = new SyncManager({ address: ['127.0.0.1', 1] });
    await connected.close();
    expect(await rejection(() => connected.start())).to.be.instanceOf(ManagerError);
  });

  it("a client's shutdown() stops the server process gracefully; the starter's shutdown() then has nothing to do", async () => {
    const m = new SyncManager();
    await m.start();
    const client = new SyncManager({ address: m.address });
    await client.connect();
    await client.shutdown();
    await eventually(() => m._process!.exitCode !== null);
    expect(m._process!.exitCode).to.equal(0);
    await m.shutdown();
  });

  it('`await using` shuts the started manager down at the end of the block', async () => {
    let started: SyncManager;
    {
      await using m = new SyncManager();
      await m.start();
      started = m;
      expect(isRunning(m._process!.pid)).to.equal(true);
    }
    expect(started._process!.exitCode).to.equal(0);
    expect(isRunning(started._process!.pid)).to.equal(false);
  });

  it('a new manager binds the same address right after a shutdown (CPython _TestManagerRestart)', async () => {
    const first = new SyncManager();
    await first.start();
    const address = first.address!;
    const queue = await first.Queue<string>();
    const putter = new Process({ module: fixture('targets'), export: 'putHello', args: [queue] });
    putter.start();
    expect(await putter.join(30)).to.equal(0);
    expect(await queue.get()).to.equal('hello world');
    await first.shutdown();

    for (let round = 0; round < 2; round++) {
      const again = new SyncManager({ address });
      await again.start();
      expect(again.address).to.deep.equal(address);
      expect(await (await again.list([round]))._getValue()).to.deep.equal([round]);
      await again.shutdown();
      expect(again._process!.exitCode).to.equal(0);
    }
  });

  it('restarts on the same Unix socket path', async () => {
    const socketPath = path.join(os.tmpdir(), `mpmanagers-start-${process.pid}.sock`);
    for (let round = 0; round < 2; round++) {
      const m = new SyncManager({ address: socketPath });
      await m.start();
      expect(m.address).to.equal(socketPath);
      expect(await (await m.dict({ round }))._getValue()).to.deep.equal(new Map([['round', round]]));
      await m.shutdown();
    }
  });

  it('a busy address rejects start() with the bind error; a later start() may succeed', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const m = new SyncManager({ address: ['127.0.0.1', port] });
    const error = await rejection(() => m.start());
    expect((error as Error & { code?: string }).code).to.equal('EADDRINUSE');
    expect(m._process).to.equal(undefined);
    await new Promise((resolve) => blocker.close(resolve));
    await m.start();
    expect(m.address).to.deep.equal(['127.0.0.1', port]);
    await m.shutdown();
  });
});

describe('start() of a custom manager (CPython _TestMyManager)', function () {
  this.timeout(60_000);
  expectNoLeftoverProcesses();

  async function common(manager: MyManager): Promise<void> {
    const foo = await manager.Foo();
    const bar = await manager.Bar();
    const baz = await manager.baz();
    // AutoProxy exposure rules: public methods by default; an explicit list may name private ones.
    expect(['f', 'g', '_h'].filter((name) => typeof foo[name] === 'function')).to.deep.equal(['f', 'g']);
    expect(['f', 'g', '_h'].filter((name) => typeof bar[name] === 'function')).to.deep.equal(['f', '_h']);
    expect(await foo.f()).to.equal('f()');
    expect(await rejection(() => foo.g())).to.be.instanceOf(ValueError);
    expect(await foo._callMethod('f')).to.equal('f()');
    expect(await rejection(() => foo._callMethod('_h'))).to.be.instanceOf(AttributeError);
    expect(await bar.f()).to.equal('f()');
    expect(await bar._h()).to.equal('_h()');
    expect(await bar._callMethod('_h')).to.equal('_h()');
    // A server-side generator, iterated through its proxy.
    const squares: number[] = [];
    for await (const square of baz) squares.push(square);
    expect(squares).to.deep.equal([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
  }

  it('runs the class named by module and export (default: the class name) in a child process', async () => {
    const m = new MyManager();
    await m.start({ module: fixture('myManager') });
    const serverPid = (await (await m.pid())._callMethod('get', ['pid'])) as number;
    expect(serverPid).to.equal(m._process!.pid).and.not.equal(process.pid);
    await common(m);
    await m.shutdown();
    expect(m._process!.exitCode).to.equal(0);
  });

  it('with `await using` (test_mymanager_context)', async () => {
    let started: MyManager;
    {
      await using m = new MyManager();
      await m.start({ module: new URL(fixture('myManager')), export: 'MyManager' });
      started = m;
      await common(m);
    }
    expect(started._process!.exitCode).to.equal(0);
  });

  it('refuses a subclass with registrations of its own but no module, and an export that is not a manager', async () => {
    class Unnamed extends BaseManager {}
    Unnamed.register('thing', { callable: () => ({}) });
    const error = await rejection(() => new Unnamed().start());
    expect(error).to.be.instanceOf(ManagerError).with.property('message').that.match(/module/);

    const notAManager = new MyManager();
    expect(await rejection(() => notAManager.start({ module: fixture('myManager'), export: 'NotAManager' }))).to.be.instanceOf(PyTypeError);
    const missing = new MyManager();
    expect(await rejection(() => missing.start({ module: fixture('myManager'), export: 'Nothing' }))).to.be.instanceOf(PyTypeError);
  });

  it('a subclass that registers nothing of its own starts as its library class', async () => {
    class Plain extends SyncManager {}
    await using m = new Plain();
    await m.start();
    expect(await (await m.list([1]))._getValue()).to.deep.equal([1]);
  });
});

describe('start() initializer (CPython TestInitializers)', function () {
  this.timeout(60_000);
  const children = trackChildProcesses();
  let mgr: SyncManager;
  before(async () => {
    mgr = new SyncManager();
    await mgr.start();
  });
  after(async () => {
    await mgr.shutdown();
    await children.expectNoneLeft();
  });

  it('runs in the server process before it serves, with proxies among its args', async () => {
    const ns = await mgr.Namespace({ test: 0 });
    const m = new MyManager();
    await m.start({ module: fixture('myManager'), initializer: 'init', initargs: ['hello', ns] });
    expect(await ns.get('test')).to.equal(1);
    const seen = (await m.initialized()) as unknown as DictProxy<string, unknown>;
    expect(await seen.get('value')).to.equal('hello');
    await m.shutdown();
    expect(m._process!.exitCode).to.equal(0);
  });

  it('works for a SyncManager, whose module then only provides the initializer', async () => {
    const ns = await mgr.Namespace({ test: 0 });
    const m = new SyncManager();
    await m.start({ module: fixture('myManager'), initializer: 'init', initargs: [null, ns] });
    expect(await ns.get('test')).to.equal(1);
    await m.shutdown();
  });

  it('a non-string initializer is a TypeError; a failing one rejects start() with its error', async () => {
    const m = new SyncManager();
    const fn = (() => undefined) as unknown as string;
    expect(await rejection(() => m.start({ module: fixture('myManager'), initializer: fn }))).to.be.instanceOf(PyTypeError);
    expect(await rejection(() => m.start({ initializer: 'init' }))).to.be.instanceOf(PyTypeError);
    const error = await rejection(() => m.start({ module: fixture('myManager'), initializer: 'failingInit' }));
    expect(error).to.be.instanceOf(ValueError).with.property('message', 'the initializer failed');
    expect(error.stack).to.include('failingInit');
  });
});
