// A user's module may be plain JavaScript: a Process and a Pool run one from the TypeScript sources
// too. (From the built package, such a child starts with no loader at all: scripts/package-check.)
import { expect } from 'chai';
import { Pool, Process, type ListProxy, type SyncManager } from '../../lib/index.js';
import { startManagerAround } from './helpers.js';

const plainModule = new URL('../fixtures/process/plainModule.mjs', import.meta.url);

describe('plain JavaScript user modules', function () {
  this.timeout(30_000);
  let manager: SyncManager;
  let list: ListProxy<string>;
  startManagerAround((started) => (manager = started));
  beforeEach(async () => {
    list = await manager.list<string>();
  });

  it('a Process runs a .mjs target; from the sources it keeps the loader the library needs', async () => {
    const child = new Process({ module: plainModule, export: 'appendFlags', args: [list] });
    child.start();
    await child.join();
    expect(child.exitCode).to.equal(0);
    const [flags] = await list._getValue();
    expect(flags).to.match(/tsx/);
  });

  it('a Pool maps over a .mjs module', async () => {
    await using pool = new Pool(2, { module: plainModule });
    expect(await pool.map<number>('triple', [1, 2, 3])).to.deep.equal([3, 6, 9]);
  });
});
