// sharedctypes across worker threads: a Process with `thread: true`, Pool tasks, the contention test,
// the refusal to send one to a child process, and the shared_memory example.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Pool, Process, Queue, SyncManager, TypeError as PyTypeError, sharedctypes } from '../../lib/index.js';
import { killLeftoverProcesses } from '../helpers/processes.js';
import { fixture, trackChildProcesses } from '../process/helpers.js';

const targets = fixture('connectionTargets');
const { Value, Lock } = sharedctypes;

describe('sharedctypes across threads', function () {
  this.timeout(120000);
  const children = trackChildProcesses();
  after(() => children.expectNoneLeft());
  const started = killLeftoverProcesses();

  it('4 threads × 100,000 locked increments of one Value(i) make 400,000 exactly', async () => {
    const counter = Value('i', 0);
    const threads = [1, 2, 3, 4].map(() => new Process({ module: targets, export: 'lockedIncrements', args: [counter, 100_000], thread: true }));
    for (const t of threads) started(t);
    expect(await Promise.all(threads.map((t) => t.join()))).to.deep.equal([0, 0, 0, 0]);
    expect(counter.value).to.equal(400_000);
  });

  it('a Pool task works on the same memory (Array and a shared Lock); so does an initializer argument', async () => {
    const lock = new Lock();
    const numbers = sharedctypes.Array('d', [1, 2, 3], { lock });
    const pool = new Pool(2, { module: targets });
    try {
      await pool.apply('squareAll', [numbers]);
      expect(numbers.toArray()).to.deep.equal([1, 4, 9]);
      await pool.map('squareAll', [numbers]);
      expect(numbers.toArray()).to.deep.equal([1, 16, 81]);
    } finally {
      await pool.terminate();
    }
    const total = Value('i', 0);
    const initialized = new Pool(2, { module: targets, initializer: 'keepShared', initargs: [total] });
    try {
      await initialized.map('addToKept', [1, 2, 3, 4], 1);
      expect(total.value).to.equal(10);
    } finally {
      await initialized.terminate();
    }
  });

  it('a thread Process: exit code 1 and the stack on stderr when the target throws; terminate() stops one that never returns', async () => {
    const failing = new Process({ module: targets, export: 'squareAll', args: [null], thread: true });
    started(failing);
    expect(await failing.join(60)).to.equal(1);
    const stuck = new Process({ module: targets, export: 'holdForever', args: [{ send: null }], thread: true });
    started(stuck);
    expect(stuck.isAlive()).to.equal(true);
    stuck.terminate();
    expect(await stuck.join(60)).to.equal(-15);
  });

  it("a thread Process is given proxies as a child process is (the manager's list) and primitives served here", async () => {
    await using manager = new SyncManager();
    await manager.start();
    const list = await manager.list<string>();
    const queue = new Queue<number>();
    const appender = new Process({ module: fixture('targets'), export: 'append', args: [list, 'from a thread'], thread: true });
    const putter = new Process({ module: targets, export: 'putItems', args: [queue, 2], thread: true });
    started(appender);
    started(putter);
    expect(await Promise.all([appender.join(60), putter.join(60)])).to.deep.equal([0, 0]);
    expect(await list._getValue()).to.deep.equal(['from a thread']);
    expect(queue.qsize()).to.equal(2);
  });

  it('sent to a child process, a sharedctypes object is a TypeError naming the manager’s Value/Array', () => {
    const p = new Process({ module: targets, export: 'squareAll', args: [Value('i', 1)] });
    expect(() => p.start()).to.throw(PyTypeError, /manager's Value or Array/);
    expect(p.pid).to.equal(undefined);
  });

  it('examples/shared_memory.ts prints what CPython prints', async () => {
    const script = fileURLToPath(new URL('../../examples/shared_memory.ts', import.meta.url));
    const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    expect(await new Promise((resolve) => child.once('close', resolve))).to.equal(0);
    expect(out.trim().split('\n')).to.deep.equal([
      '49',
      'true',
      'HELLO WORLD',
      '[10, 1, 2, 3, 4]',
      '[(3.515625, 39.0625), (33.0625, 4.0), (5.640625, 90.25)]',
    ]);
  });
});
