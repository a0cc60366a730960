// onProgress(done, total) on a Pool's map/starmap/imap, local and through manager.Pool (where it
// runs in the caller's process), and what describe (mpmanagers inspect, the dashboard) shows of a
// pool at work.
import { expect } from 'chai';
import { Pool, type SyncManager } from '../../lib/index.js';
import { fixture, startManagerAround } from './helpers.js';

const poolFunctions = fixture('poolFunctions');

/** Records every onProgress call. */
function recorder(): { calls: Array<[number, number]>; onProgress: (done: number, total: number) => void } {
  const calls: Array<[number, number]> = [];
  return { calls, onProgress: (done, total) => calls.push([done, total]) };
}

function expectSteadyProgress(calls: Array<[number, number]>, total: number): void {
  expect(calls.length).to.be.greaterThan(0);
  for (const [, t] of calls) expect(t).to.equal(total);
  const dones = calls.map(([done]) => done);
  expect(dones).to.deep.equal([...dones].sort((a, b) => a - b)); // never goes backwards
  expect(dones.at(-1)).to.equal(total);
}

describe('Pool progress (local)', function () {
  this.timeout(60_000);
  let pool: Pool;
  before(() => {
    pool = new Pool(2, { module: poolFunctions });
  });
  after(async () => {
    await pool.terminate();
  });

  it('map calls onProgress after each chunk, up to (total, total), results unchanged', async () => {
    const progress = recorder();
    const results = await pool.map('sqr', [1, 2, 3, 4, 5, 6, 7], 2, progress);
    expect(results).to.deep.equal([1, 4, 9, 16, 25, 36, 49]);
    expectSteadyProgress(progress.calls, 7);
    expect(progress.calls).to.have.length(4); // chunks of 2, 2, 2, 1
  });

  it('starmap and imap report too; a throwing onProgress is logged, never fails the work', async () => {
    const star = recorder();
    expect(await pool.starmap('mul', [[1, 2], [3, 4]], 1, star)).to.deep.equal([2, 12]);
    expectSteadyProgress(star.calls, 2);
    const imap = recorder();
    const seen: unknown[] = [];
    for await (const value of pool.imap('sqr', [1, 2, 3], 1, imap)) seen.push(value);
    expect(seen).to.deep.equal([1, 4, 9]);
    expectSteadyProgress(imap.calls, 3);
    const throwing = await pool.map('sqr', [1, 2], 1, {
      onProgress: () => {
        throw new Error('a broken progress bar');
      },
    });
    expect(throwing).to.deep.equal([1, 4]);
  });
});

describe('Pool progress through manager.Pool', function () {
  this.timeout(60_000);
  let manager: SyncManager;
  startManagerAround((started) => (manager = started));

  it('map and imap call onProgress here, in the caller, once per result', async () => {
    await using pool = await manager.Pool(2, { module: poolFunctions });
    const progress = recorder();
    expect(await pool.map('sqr', [1, 2, 3, 4], null, progress)).to.deep.equal([1, 4, 9, 16]);
    expect(progress.calls).to.deep.equal([[1, 4], [2, 4], [3, 4], [4, 4]]);
    const imap = recorder();
    const iterator = await pool.imapUnordered<number>('sqr', [5, 6], 1, imap);
    const seen: number[] = [];
    for await (const value of iterator) seen.push(value);
    expect(seen.sort((a, b) => a - b)).to.deep.equal([25, 36]);
    expect(imap.calls).to.deep.equal([[1, 2], [2, 2]]);
  });

  it('describe shows the pool: workers, state, tasks pending and map items done', async () => {
    await using pool = await manager.Pool(2, { module: poolFunctions });
    const running = pool.map('sleep', [0.5, 0.5, 0.5], 1);
    const poolDetails = async (): Promise<unknown> =>
      (await manager._describe()).objects.find((o) => o.id === pool._token.id)?.details;
    let during: any;
    for (let i = 0; i < 50; i++) {
      during = await poolDetails();
      if (during?.tasksPending > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(during).to.include({ type: 'pool', processes: 2, state: 'run', itemsSubmitted: 3 });
    expect(during.tasksPending).to.be.greaterThan(0);
    await running;
    expect(await poolDetails()).to.deep.equal({ type: 'pool', processes: 2, state: 'run', tasksPending: 0, itemsDone: 3, itemsSubmitted: 3 });
  });
});
