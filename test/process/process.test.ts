// Process: an exported function run in a real child process, with proxies among its args.
import { expect } from 'chai';
import { ManagerError, Process, SyncManager, TypeError as PyTypeError } from '../../lib/index.js';
import { defaultAuthkey } from '../../lib/manager/authkey.js';
import { eventually, fixture, isRunning, refcountOf, rejection, runScript, startManagerAround } from './helpers.js';

const targets = fixture('targets');

describe('Process', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  it('runs an exported async function with a proxy argument; exit code 0', async () => {
    const list = await manager.list<unknown>();
    const p = new Process({ module: targets, export: 'append', args: [list, 'from the child'] });
    expect(p.pid).to.equal(undefined);
    expect(p.exitCode).to.equal(null);
    expect(p.isAlive()).to.equal(false);
    p.start();
    expect(p.pid).to.be.a('number').and.not.equal(process.pid);
    expect(p.isAlive()).to.equal(true);
    expect(await p.join()).to.equal(0);
    expect(p.exitCode).to.equal(0);
    expect(p.isAlive()).to.equal(false);
    expect(await list._getValue()).to.deep.equal(['from the child']);
  });

  it('runs the default export of a module given by a relative path; a sync target exits 0', async () => {
    const list = await manager.list<unknown>();
    const byPath = new Process({ module: 'test/fixtures/process/targets.ts', args: [list] });
    byPath.start();
    const sync = new Process({ module: new URL(targets), export: 'syncNoop' });
    sync.start();
    expect(await byPath.join()).to.equal(0);
    expect(await sync.join()).to.equal(0);
    expect(await list._getValue()).to.deep.equal(['default export']);
  });

  it('passes structured-cloneable data through and rebuilds nested proxies in arrays, objects and Maps', async () => {
    const out = await manager.list<unknown>();
    const data = [new Map([['k', 1]]), new Date(86_400_000), 12345678901234567890n, new Uint8Array([1, 2]), { nested: [1, { x: null }] }];
    const p1 = new Process({ module: targets, export: 'describeArgs', args: [out, ...data] });
    p1.start();
    expect(await p1.join()).to.equal(0);
    const seen = (await out._getValue()) as [string, unknown][];
    expect(seen.map(([type]) => type)).to.deep.equal(['Map', 'Date', 'bigint', 'Uint8Array', 'object']);
    expect(seen[2][1]).to.equal(12345678901234567890n);
    expect(seen[4][1]).to.deep.equal({ nested: [1, { x: null }] });

    const list = await manager.list<unknown>();
    const dict = await manager.dict<string, unknown>();
    const ns = await manager.Namespace();
    const p2 = new Process({ module: targets, export: 'useNested', args: [{ lists: [list], byName: new Map([['d', dict]]), deep: [[ns]] }] });
    p2.start();
    expect(await p2.join()).to.equal(0);
    expect(await list._getValue()).to.deep.equal(['via array']);
    expect(await dict.get('k')).to.equal('via map');
    expect(await ns.get('x')).to.equal('via nested array');
  });

  it('the child holds its own references while it runs and drops them when it ends', async () => {
    const list = await manager.list<unknown>();
    const release = await manager.Event();
    const id = list._token.id;
    expect(refcountOf(await manager._debugInfo(), id)).to.equal(1);
    const p = new Process({ module: targets, export: 'holdUntil', args: [list, release] });
    p.start();
    await eventually(async () => (await list.length()) === 1);
    expect(refcountOf(await manager._debugInfo(), id)).to.equal(2);
    await release.set();
    expect(await p.join()).to.equal(0);
    await eventually(async () => refcountOf(await manager._debugInfo(), id) === 1);
  });

  it('the child inherits the process authkey through its environment, not its command line', async () => {
    const out = await manager.list<unknown>();
    const p = new Process({ module: targets, export: 'reportAuthkey', args: [out] });
    p.start();
    expect(await p.join()).to.equal(0);
    const [inEnvironment, onCommandLine, execArgv] = (await out._getValue()) as [boolean, boolean, string[]];
    expect(inEnvironment).to.equal(true);
    expect(onCommandLine).to.equal(false);
    expect(execArgv).to.deep.equal(process.execArgv); // the loader flags carried over
    expect(Buffer.from(defaultAuthkey()).toString('hex')).to.have.length(64);
  });

  it('the authkey option lets the child use proxies of a manager with another key', async () => {
    await using other = new SyncManager({ authkey: 'other-key' });
    await other.start();
    const list = await other.list<unknown>();
    const withKey = new Process({ module: targets, export: 'append', args: [list, 'keyed'], authkey: 'other-key' });
    withKey.start();
    expect(await withKey.join()).to.equal(0);
    expect(await list._getValue()).to.deep.equal(['keyed']);
  });

  it('join(timeout) resolves null while running; terminate() and kill() give -SIGTERM and -SIGKILL', async () => {
    const slow = new Process({ module: targets, export: 'sleepFor', args: [60], name: 'slow' });
    expect(slow.name).to.equal('slow');
    slow.start();
    const started = Date.now();
    expect(await slow.join(0.2)).to.equal(null);
    expect(Date.now() - started).to.be.at.least(150);
    expect(slow.isAlive()).to.equal(true);
    slow.terminate();
    expect(await slow.join(30)).to.equal(-15);
    expect(isRunning(slow.pid)).to.equal(false);

    const killed = new Process({ module: targets, export: 'sleepFor', args: [60] });
    killed.start();
    killed.kill();
    expect(await killed.join()).to.equal(-9);
    killed.terminate(); // after the end: nothing to do
  });

  it("the target's process.exit(code) is the exit code", async () => {
    const p = new Process({ module: targets, export: 'exitWith', args: [3] });
    p.start();
    expect(await p.join()).to.equal(3);
  });

  it('a target that throws prints "Process <name>:" and its stack on stderr and exits 1', async () => {
    const run = await runScript('failingTarget');
    expect(run.stdout).to.include('exit code 1');
    expect(run.stderr).to.include('Process Failing:');
    expect(run.stderr).to.include('ValueError: the target failed');
    expect(run.stderr).to.match(/at innerThrow .*failingTarget\.ts/);
    expect(run.stderr).to.include('the root cause');

    const missing = await runScript('failingTarget', ['noSuchExport']);
    expect(missing.stdout).to.include('exit code 1');
    expect(missing.stderr).to.include("has no exported function 'noSuchExport'");
  });

  it('start() twice, and join()/terminate() before start(), are ManagerErrors; uncloneable args are a TypeError', async () => {
    const p = new Process({ module: targets, export: 'syncNoop' });
    expect(await rejection(() => p.join())).to.be.instanceOf(ManagerError);
    expect(() => p.terminate()).to.throw(ManagerError);
    p.start();
    expect(() => p.start()).to.throw(ManagerError, /already been started/);
    expect(await p.join()).to.equal(0);

    const bad = new Process({ module: targets, export: 'syncNoop', args: [() => 1] });
    expect(() => bad.start()).to.throw(PyTypeError, /cannot be sent/);
    expect(bad.pid).to.equal(undefined);
    expect(() => new Process({ module: '' })).to.throw(PyTypeError);
  });

  it('names default to Process-<n>; `await using` terminates a child still running', async () => {
    const a = new Process({ module: targets, export: 'syncNoop' });
    const b = new Process({ module: targets, export: 'syncNoop' });
    expect(a.name).to.match(/^Process-\d+$/);
    expect(Number(b.name.slice(8))).to.equal(Number(a.name.slice(8)) + 1);
    let pid: number | undefined;
    {
      await using p = new Process({ module: targets, export: 'sleepFor', args: [60] });
      p.start();
      pid = p.pid;
    }
    expect(isRunning(pid)).to.equal(false);
  });
});
