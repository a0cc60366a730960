// Process and manager lifecycles as Python has them (daemon, close(), exited, manager.join()), and
// proxies passed to a Process from managers with their own authkey, TLS, or proxy classes.
import { expect } from 'chai';
import { ManagerError, Process, SyncManager, ValueError, TypeError as PyTypeError } from '../../lib/index.js';
import { makeCertificates, type Certificates } from '../reliability/certs.js';
import { CounterManager } from '../fixtures/process/customProxy.js';
import { eventually, fixture, isRunning, rejection, runScript, startManagerAround } from './helpers.js';

const targets = fixture('targets');
const customProxy = fixture('customProxy');

describe('Process: daemon, close(), exited', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  it('a daemon child does not keep its parent running, and ends with it', async () => {
    const run = await runScript('daemonParent');
    expect(run.signal, run.stderr).to.equal(null); // not killed by runScript's timeout: it exited on its own
    expect(run.code).to.equal(0);
    const { pid, daemon } = JSON.parse(run.stdout) as { pid: number; daemon: boolean };
    expect(daemon).to.equal(true);
    await eventually(() => !isRunning(pid));
  });

  it('a non-daemon child keeps its parent running until it ends', async () => {
    const started = Date.now();
    const run = await runScript('daemonParent', ['no-daemon']);
    expect(run.code).to.equal(0);
    expect(Date.now() - started).to.be.at.least(1400); // the parent waited for its terminated child
    const { pid, daemon } = JSON.parse(run.stdout) as { pid: number; daemon: boolean };
    expect(daemon).to.equal(false);
    expect(isRunning(pid)).to.equal(false);
  });

  it('daemon is settable until start(), then a ManagerError', async () => {
    const p = new Process({ module: targets, export: 'syncNoop' });
    expect(p.daemon).to.equal(false);
    p.daemon = true;
    expect(p.daemon).to.equal(true);
    p.start();
    expect(() => (p.daemon = false)).to.throw(ManagerError);
    expect(await p.join()).to.equal(0); // join() waits for a daemon child too
    expect(() => new Process({ module: targets, daemon: 'yes' as never })).to.throw(PyTypeError);
  });

  it('exited resolves with the exit code (also for a killed child)', async () => {
    const p = new Process({ module: targets, export: 'exitWith', args: [3] });
    p.start();
    expect(await p.exited).to.equal(3);
    const killed = new Process({ module: targets, export: 'sleepFor', args: [60] });
    killed.start();
    killed.kill();
    expect(await killed.exited).to.equal(-9);
  });

  it('close() is a ValueError while the child runs; afterwards the object refuses everything but its name', async () => {
    const p = new Process({ module: targets, export: 'sleepFor', args: [60], name: 'closing' });
    p.start();
    expect(() => p.close()).to.throw(ValueError, /still running/);
    p.terminate();
    expect(await p.join()).to.equal(-15);
    p.close();
    p.close(); // twice is fine
    expect(p.name).to.equal('closing');
    expect(() => p.pid).to.throw(ValueError, /closed/);
    expect(() => p.exitCode).to.throw(ValueError);
    expect(() => p.isAlive()).to.throw(ValueError);
    expect(() => p.start()).to.throw(ValueError);
    expect(() => p.terminate()).to.throw(ValueError);
    expect(() => p.kill()).to.throw(ValueError);
    expect(await rejection(() => p.join())).to.be.instanceOf(ValueError);
    expect(String(p)).to.include('closed');
    const never = new Process({ module: targets, export: 'syncNoop' });
    never.close(); // never started: nothing to wait for
    expect(() => never.start()).to.throw(ValueError);
  });

  it('a proxy of a manager with another authkey works in the child with no authkey option', async () => {
    await using other = new SyncManager({ authkey: 'another-key' });
    await other.start();
    const list = await other.list<unknown>();
    const out = await manager.list<unknown>(); // and one with the default key, side by side
    const p = new Process({ module: targets, export: 'append', args: [list, 'keyed'] });
    p.start();
    expect(await p.join()).to.equal(0);
    expect(await list._getValue()).to.deep.equal(['keyed']);
    const both = new Process({ module: targets, export: 'useNested', args: [{ lists: [out], byName: new Map([['d', await other.dict()]]), deep: [[await other.Namespace()]] }] });
    both.start();
    expect(await both.join()).to.equal(0);
    expect(await out._getValue()).to.deep.equal(['via array']);
  });
});

describe('start({ initargs }): proxies of a manager with another authkey', function () {
  this.timeout(60_000);

  it('reach the server process initializer, which connects with their key', async () => {
    await using other = new SyncManager({ authkey: 'initargs-key' });
    await other.start();
    const ns = await other.Namespace({ test: 0 });
    await using started = new SyncManager();
    await started.start({ module: fixture('myManager'), initializer: 'init', initargs: ['hello', ns] });
    expect(await ns.get('test')).to.equal(1);
  });
});

describe('Process: proxies of a TLS manager', function () {
  this.timeout(60_000);
  let certs: Certificates;
  before(async () => {
    certs = await makeCertificates();
  });
  after(() => certs.remove());

  it('the child connects with the TLS client options of the proxy\'s manager', async () => {
    await using tlsManager = new SyncManager({ authkey: 'tls-key', serverTls: certs.server, tls: { ca: certs.ca } });
    await tlsManager.start();
    const list = await tlsManager.list<unknown>();
    const p = new Process({ module: targets, export: 'append', args: [list, 'over TLS'] });
    p.start();
    expect(await p.join()).to.equal(0);
    expect(await list._getValue()).to.deep.equal(['over TLS']);
  });
});

describe('Process: a custom proxy class arrives as that class', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  async function arrivedAs(counter: unknown): Promise<unknown[]> {
    const out = await manager.list<unknown>();
    const p = new Process({ module: customProxy, export: 'describeCounter', args: [counter, out] });
    p.start();
    expect(await p.join()).to.equal(0);
    return ((await out._getValue()) as unknown[][])[0];
  }

  it('from a manager started with start({ module, export }), or connected with the module option', async () => {
    await using started = new CounterManager();
    await started.start({ module: customProxy, export: 'CounterManager' });
    const counter = await started.Counter();
    expect(await arrivedAs(counter)).to.deep.equal(['CounterProxy', true, 2]);

    const named = new CounterManager({ address: started.address, authkey: started.authkey, module: customProxy });
    await named.connect();
    try {
      expect(await arrivedAs(await named.Counter())).to.deep.equal(['CounterProxy', true, 2]);
      // Without the module named, the child cannot know the class: it gets the nearest built-in.
      const unnamed = new CounterManager({ address: started.address, authkey: started.authkey });
      await unnamed.connect();
      expect(await arrivedAs(await unnamed.Counter())).to.deep.equal(['AutoProxy', false, 1]);
      await unnamed.close();
    } finally {
      await named.close();
    }
  });

  it('a module the child cannot import falls back to the nearest built-in class', async () => {
    const server = new CounterManager({ address: ['127.0.0.1', 0], authkey: 'k' }).getServer();
    const address = await server.listen();
    const wrong = new CounterManager({ address, authkey: 'k', module: targets, export: 'NoSuchManager' });
    await wrong.connect();
    try {
      expect(await arrivedAs(await wrong.Counter())).to.deep.equal(['AutoProxy', false, 1]);
    } finally {
      await wrong.close();
      await server.close();
    }
  });
});

describe('manager.join(timeout)', function () {
  this.timeout(60_000);

  it('waits for the server process start() made: null on timeout, its exit code once a client shut it down', async () => {
    const manager = new SyncManager();
    expect(await rejection(() => manager.join())).to.be.instanceOf(ManagerError);
    await manager.start();
    try {
      expect(await manager.join(0.1)).to.equal(null);
      const client = new SyncManager({ address: manager.address, authkey: manager.authkey });
      await client.connect();
      await client.shutdown();
      expect(await manager.join(30)).to.equal(0);
      expect(manager._process!.exitCode).to.equal(0);
    } finally {
      await manager.shutdown();
    }
  });
});

