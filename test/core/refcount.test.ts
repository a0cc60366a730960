// References: per connection, given back by release, dispose and close; nested ones kept while held.
import { expect } from 'chai';
import { SyncManager, ListProxy, ManagerError, KeyError } from '../../lib/index.js';
import { rejection } from '../helpers/assertions.js';
import { serve, eventually, type Served } from '../helpers/servers.js';

describe('Reference counting', () => {
  let served: Served<SyncManager>;
  let observer: SyncManager;
  before(async () => {
    served = await serve(SyncManager);
    observer = await served.client();
  });
  after(() => served.close());

  it('_release() gives the reference back at once, is idempotent, and later calls reject', async () => {
    const m = await served.client();
    const l = await m.list([1]);
    expect(await observer._numberOfObjects()).to.equal(1);
    await l._release();
    await l._release();
    expect(await observer._numberOfObjects()).to.equal(0);
    const error: unknown = await rejection(l.append(2));
    expect(error).to.be.instanceOf(ManagerError);
    expect(String((error as Error).message)).to.match(/released/);
  });

  it('await using releases, and so does closing the client connection', async () => {
    const m = await served.client();
    {
      await using _a = await m.list();
      await using _b = await m.dict();
      expect(await observer._numberOfObjects()).to.equal(2);
    }
    expect(await observer._numberOfObjects()).to.equal(0);
    await m.list();
    await m.dict();
    await m.Namespace();
    expect(await observer._numberOfObjects()).to.equal(3);
    await m.close();
    await eventually(async () => (await observer._numberOfObjects()) === 0);
  });

  it('two proxies of one object each hold a reference; the object lives until both let go', async () => {
    const m = await served.client();
    const outer = await m.list();
    const inner = await m.list(['x']);
    await outer.append(inner);
    const again = (await outer.get(0)) as ListProxy;
    expect(again._token.id).to.equal(inner._token.id);
    await inner._release();
    expect(await again._getValue()).to.deep.equal(['x']);
    await again._release();
    await outer._release();
    expect(await observer._numberOfObjects()).to.equal(0);
  });

  it('a nested proxy keeps its object alive while a container holds it, and frees it with the container', async () => {
    const m = await served.client();
    const inner = await m.list(['kept']);
    const innerId = inner._token.id;
    const outer = await m.dict({ inner });
    await inner._release();
    expect(await observer._debugInfo()).to.include(`${innerId}:`);
    const back = (await outer.get('inner')) as ListProxy;
    expect(await back._getValue()).to.deep.equal(['kept']);
    await back._release();
    await outer._release();
    expect(await observer._debugInfo()).not.to.include(`${innerId}:`);
  });

  it('ids are never reused: a stale id rejects KeyError instead of reaching another object', async () => {
    const m = await served.client();
    const a = await m.list();
    const id = a._token.id;
    await a._release();
    const b = await m.list();
    expect(b._token.id).not.to.equal(id);
    const error: unknown = await rejection(m['session']!.call(id, '__len__'));
    expect(error).to.be.instanceOf(KeyError);
  });

  it('a client cannot decref references it does not hold', async () => {
    const owner = await served.client();
    const other = await served.client();
    const l = await owner.list();
    const error: unknown = await rejection(other['session']!.call(null, 'decref', [l._token.id]));
    expect(error).to.be.instanceOf(KeyError);
    expect(await l.length()).to.equal(0);
  });
});

describe('Garbage-collection backstops', () => {
  const gc = (globalThis as { gc?: () => void }).gc;

  async function collect(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('a proxy that is garbage-collected without _release() gives its reference back', async () => {
    expect(gc, 'mocha runs with --expose-gc').to.be.a('function');
    const served = await serve(SyncManager);
    const m = await served.client();
    await (async () => {
      await m.list([1, 2, 3]); // the proxy becomes garbage at once
    })();
    expect(await m._numberOfObjects()).to.equal(1);
    await collect();
    await eventually(async () => (await m._numberOfObjects()) === 0);
    await served.close();
  });

  it('a nested reference dropped from a container on the server is freed by the server-side backstop', async () => {
    const served = await serve(SyncManager);
    const m = await served.client();
    const outer = await m.list();
    const inner = await m.list(['x']);
    const innerId = inner._token.id;
    await outer.append(inner);
    await inner._release();
    await outer.pop(); // the returned proxy is garbage at once; the server's ServerRef too
    await collect();
    await eventually(async () => {
      await collect();
      return !(await m._debugInfo()).includes(`  ${innerId}:`);
    });
    await served.close();
  });
});

describe('References across two connections of one process', () => {
  it('a proxy of manager A stored through manager B keeps its object alive and comes back working', async () => {
    const served = await serve(SyncManager);
    const a = await served.client();
    const b = await served.client();
    const inner = await a.list(['from A']);
    const outer = await b.list();
    await outer.append(inner);
    await inner._release();
    const back = (await outer.get(0)) as ListProxy;
    expect(back).to.be.instanceOf(ListProxy);
    expect(await back._getValue()).to.deep.equal(['from A']);
    await served.close();
  });
});
