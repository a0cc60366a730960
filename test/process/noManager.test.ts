// Primitives of lib/primitives passed to a Process or a Pool task without a manager: this process
// serves them, and the child's proxies act on the very objects held here.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Event, JoinableQueue, Lock, Pool, Process, Queue, TypeError as PyTypeError } from '../../lib/index.js';
import { killLeftoverProcesses } from '../helpers/processes.js';
import { hostAddress } from '../../lib/process/parentHost.js';
import { eventually, fixture, trackChildProcesses } from './helpers.js';

const targets = fixture('connectionTargets');

describe('primitives passed to a Process without a manager', function () {
  this.timeout(120000);
  const children = trackChildProcesses();
  after(() => children.expectNoneLeft());
  const started = killLeftoverProcesses();

  it("a Queue: the child's puts land in the object this process holds; the server stops with the last child", async () => {
    const queue = new Queue<number>();
    const p = new Process({ module: targets, export: 'putItems', args: [queue, 5] });
    started(p);
    const address = hostAddress();
    expect(address).to.be.a('string');
    const items: number[] = [];
    for (let i = 0; i < 5; i++) items.push(await queue.get(true, 30));
    expect(items).to.deep.equal([0, 1, 2, 3, 4]);
    expect(await p.join(60)).to.equal(0);
    await eventually(() => hostAddress() === undefined && !existsSync(address!));
  });

  it('a Lock and two Events: the child holds the lock this process then cannot take', async () => {
    const lock = new Lock();
    const held = new Event();
    const release = new Event();
    const p = new Process({ module: targets, export: 'lockAndSignal', args: [lock, held, release] });
    started(p);
    expect(await held.wait(60)).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    release.set();
    expect(await p.join(60)).to.equal(0);
    expect(await lock.acquire(false)).to.equal(true);
    lock.release();
  });

  it('a crashed child holding the lock does not deadlock this process (released on disconnect)', async () => {
    const lock = new Lock();
    const held = new Event();
    const p = new Process({ module: targets, export: 'lockAndSignal', args: [lock, held, new Event()] });
    started(p);
    expect(await held.wait(60)).to.equal(true);
    p.kill();
    await p.join(60);
    expect(await lock.acquire(true, 10)).to.equal(true);
    lock.release();
  });

  it('a Process with an authkey of its own reaches them too (served with its key)', async () => {
    const queue = new Queue<number>();
    const p = new Process({ module: targets, export: 'putItems', args: [queue, 2], authkey: 'a key of its own' });
    started(p);
    expect(await p.join(60)).to.equal(0);
    expect(queue.qsize()).to.equal(2);
  });

  it('a primitive given to a Pool task (a worker thread) is served the same way', async () => {
    const queue = new Queue<number>();
    const pool = new Pool(1, { module: targets });
    try {
      await pool.apply('putItems', [queue, 3]);
      expect([queue.getNowait(), queue.getNowait(), queue.getNowait()]).to.deep.equal([0, 1, 2]);
    } finally {
      await pool.terminate();
    }
  });

  it("a Pool's initargs refuse a primitive without a manager, clearly (its workers outlive any task)", () => {
    expect(() => new Pool(1, { module: targets, initializer: 'keepShared', initargs: [new Queue()] })).to.throw(PyTypeError, /give it to a task/);
  });

  it('two children share one JoinableQueue: the same object id, one server', async () => {
    const tasks = new JoinableQueue<number>();
    const a = new Process({ module: targets, export: 'putItems', args: [tasks, 2] });
    const b = new Process({ module: targets, export: 'putItems', args: [tasks, 2] });
    started(a);
    started(b);
    expect(await Promise.all([a.join(60), b.join(60)])).to.deep.equal([0, 0]);
    expect(tasks.qsize()).to.equal(4);
  });

  it('examples/queues_no_manager.ts prints every result and exits on its own', async function () {
    this.timeout(120000);
    const script = fileURLToPath(new URL('../../examples/queues_no_manager.ts', import.meta.url));
    const child = spawn(process.execPath, [...process.execArgv, script, '6'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).to.equal(0);
    expect(out.trim().split('\n')).to.deep.equal([
      ...[1, 2, 3, 4, 5, 6].map((n) => `${n} squared is ${n * n}`),
      'producer and consumer exited with codes 0, 0; 0 results left',
    ]);
  });
});
