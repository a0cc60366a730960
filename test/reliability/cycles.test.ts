// Shared objects that only keep each other alive (stored in themselves or in each other) are freed
// once no client holds any of them; anything still held from outside the cycle stays.
import { expect } from 'chai';
import { SyncManager, BaseManager, ServerRef, type ListProxy, type DictProxy } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { serve, type Served } from '../helpers/servers.js';
import { eventually, sleep } from './helpers.js';

describe('reliability: reference cycles between shared objects', () => {
  let served: Served<SyncManager>;
  beforeEach(async () => {
    served = await serve(SyncManager);
  });
  afterEach(() => served.close());

  const entries = (): number => served.server.table.entries.size;

  it('a list stored in itself, and dicts stored in each other, are freed when their client leaves', async () => {
    const client = await served.client();
    const list = await client.list();
    await list.append(list);
    const [a, b, c] = [await client.dict(), await client.dict(), await client.dict()];
    await a.set('next', b);
    await b.set('next', c);
    await c.set('next', a);
    expect(entries()).to.equal(4);
    await client.close();
    await eventually(() => entries() === 0);
  });

  it('cycles through Sets, Maps and error fields inside a container are freed too', async () => {
    const client = await served.client();
    const list = await client.list();
    const dict = await client.dict();
    await list.append(new Set([list, 1]));
    await dict.set('k', new Map<unknown, unknown>([[1, [dict]]]));
    await dict.set('e', Object.assign(new Error('holder'), { held: dict }));
    await client.close();
    await eventually(() => entries() === 0);
  });

  it('a cycle released proxy by proxy is freed too', async () => {
    const client = await served.client();
    const a = await client.dict();
    const b = await client.dict();
    await a.set('b', b);
    await b.set('a', a);
    await a._release();
    await sleep(0.2);
    expect(entries()).to.equal(2); // b is still held by the client, and holds a
    await b._release();
    await eventually(() => entries() === 0);
  });

  it('keeps a cycle that a live container still holds', async () => {
    const owner = await served.client();
    const holder = await served.client();
    const a = await owner.dict();
    const b = await owner.dict();
    await a.set('b', b);
    await b.set('a', a);
    const keeper = await owner.list();
    await keeper.append(a);
    const heldKeeper = (await holder._proxyFromRef(proxyRef(keeper))) as ListProxy; // another client holds the container
    await owner.close();
    await sleep(0.3);
    expect(entries()).to.equal(3);
    const again = (await heldKeeper.get(0)) as DictProxy;
    const inner = (await again.get('b')) as DictProxy;
    expect(await ((await inner.get('a')) as DictProxy).length()).to.equal(1); // a, through b: alive and whole
    await holder.close();
    await eventually(() => entries() === 0);
  });

  it('keeps a cycle that runs through a Queue item (a documented limitation: queues are not looked into)', async () => {
    const client = await served.client();
    const queue = await client.Queue();
    await queue.put(queue);
    await client.close();
    await sleep(0.3);
    expect(entries()).to.equal(1);
  });

  it('keeps objects that server code holds a reference to', async () => {
    const kept: ServerRef[] = [];
    class Keeping extends BaseManager {}
    Keeping.register('list', { callable: () => [] });
    Keeping.register('keep', { callable: (ref: ServerRef) => void kept.push(ref) });
    const local = await serve(Keeping);
    try {
      const client = await local.client();
      const list = (await client._create('list')) as ListProxy;
      await list.append(list);
      await client._create('keep', [list]);
      await client.close();
      await sleep(0.3);
      expect(local.server.table.entries.has(list._token.id)).to.equal(true);
      expect(kept[0].referent).to.be.an('array').with.length(1);
    } finally {
      await local.close();
    }
  });
});
