// Lifetimes in Redis: an anonymous object is deleted when its last reference is released, or
// (a holder that crashed) once the last lease runs out; an object stored inside another lives as
// long as its container; named objects are shared by name and outlive their users.
import { expect } from 'chai';
import { RedisManager, ListProxy } from '../../lib/index.js';
import { RedisServer } from './helpers/redisServer.js';

describe('redis/lifetimes', function () {
  this.timeout(20_000);
  let server: RedisServer;
  let a: RedisManager;
  let b: RedisManager;
  const keysOf = async (id: string): Promise<string[]> => (await a.client.keys(`mp:{${id}}:*`)).sort();
  const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

  beforeEach(async () => {
    server = await RedisServer.start();
    a = new RedisManager({ url: server.url, lease: 1 });
    b = new RedisManager({ url: server.url, lease: 1 });
    await a.connect();
    await b.connect();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.stop();
  });

  it('an anonymous object lives while any manager holds it, and is deleted at the last release', async () => {
    const d = await a.dict({ k: 1 });
    const id = d._token.id;
    const inB = await b._proxyFromRef({ typeid: 'dict', address: d._token.address!, id });
    expect(await keysOf(id)).to.include(`mp:{${id}}:d`);
    await d._release();
    expect(await inB.get('k')).to.equal(1);
    await inB._release();
    expect(await keysOf(id)).to.deep.equal([]);
  });

  it('keys of a holder that stopped renewing (a crash) expire with its lease; a live holder keeps them', async () => {
    const crashing = new RedisManager({ url: server.url, lease: 1 });
    await crashing.connect();
    const kept = await crashing.list([1]);
    const lost = await crashing.list([2]);
    await b._proxyFromRef({ typeid: 'list', address: kept._token.address!, id: kept._token.id });
    crashing._abandon();
    await sleep(2.5);
    expect(await keysOf(lost._token.id)).to.deep.equal([]);
    expect(await keysOf(kept._token.id)).to.include(`mp:{${kept._token.id}}:d`);
  });

  it('an object stored in a dict outlives its creator and lives as long as the dict', async () => {
    const outer = await a.dict();
    const inner = await b.list([1, 2]);
    await outer.set('inner', inner);
    await inner._release();
    await sleep(2.5);
    const back = await outer.getItem('inner');
    expect(back).to.be.instanceOf(ListProxy);
    expect(await (back as ListProxy<number>)._getValue()).to.deep.equal([1, 2]);
    await (back as ListProxy)._release();
    await outer._release();
    await sleep(2.5);
    expect(await keysOf(inner._token.id)).to.deep.equal([]);
  });

  it('named objects: every manager opens the same one; the first creation wins; they outlive their users', async () => {
    const jobs = await a.named('jobs').dict({ first: true });
    const again = await b.named('jobs').dict({ ignored: true });
    expect(again._token.id).to.equal(jobs._token.id);
    expect((await again.keys()).sort()).to.deep.equal(['first']);
    await jobs._release();
    await again._release();
    const q = await a.named('work').Queue();
    await q.put('x');
    await q._release();
    const reopened = await b.named('work').Queue();
    expect(await reopened.get(false)).to.equal('x');
    const cond = await a.named('c').Condition();
    await cond.acquire();
    await cond.release();
  });
});
