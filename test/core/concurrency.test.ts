// One connection, many calls in flight: replies matched by request id, in any order.
import { expect } from 'chai';
import { BaseManager, type AutoProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';

class Echo {
  /** Resolves after a delay chosen by the caller, so replies come back out of order. */
  async delayed(value: number, ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return value;
  }
  fast(value: number): number {
    return value;
  }
  async slow(): Promise<string> {
    await new Promise((r) => setTimeout(r, 1500));
    return 'slow';
  }
}
class EchoManager extends BaseManager {
  declare Echo: () => Promise<AutoProxy>;
}
EchoManager.register('Echo', { callable: () => new Echo() });

describe('Concurrent calls on one connection', () => {
  let served: Served<EchoManager>;
  before(async () => {
    served = await serve(EchoManager);
  });
  after(() => served.close());

  it('1,000 concurrent calls resolve correctly although replies arrive out of order', async () => {
    const m = await served.client();
    const echo = await m.Echo();
    const completion: number[] = [];
    const calls = Array.from({ length: 1000 }, (_, i) =>
      echo.delayed(i, (i * 7919) % 50).then((v: number) => {
        completion.push(v);
        return v;
      }),
    );
    const results = await Promise.all(calls);
    expect(results).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    // The replies really were out of order (otherwise this test would not test matching).
    expect(completion).not.to.deep.equal(results);
  });

  it('a slow method does not delay fast calls behind it', async () => {
    const m = await served.client();
    const echo = await m.Echo();
    let slowDone = false;
    const slow = echo.slow().then((v: string) => {
      slowDone = true;
      return v;
    });
    for (let i = 0; i < 20; i++) expect(await echo.fast(i)).to.equal(i);
    expect(slowDone).to.equal(false);
    expect(await slow).to.equal('slow');
  });

  it('two clients share objects and each sees the other’s writes', async () => {
    class ListManager extends BaseManager {}
    const shared: number[] = [];
    ListManager.register('get_list', { callable: () => shared });
    const s = await serve(ListManager);
    const a = await s.client();
    const b = await s.client();
    const la = (await a._create('get_list')) as { append(v: number): Promise<void> };
    const lb = (await b._create('get_list')) as { append(v: number): Promise<void> };
    await Promise.all([...Array(50).keys()].map((i) => (i % 2 ? la : lb).append(i)));
    expect([...shared].sort((x, y) => x - y)).to.deep.equal([...Array(50).keys()]);
    await s.close();
  });
});
