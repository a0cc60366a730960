// CPython's `test_mymanager` FooBar / baz example (Lib/test/_test_multiprocessing.py), ported, and
// generators served with an explicit `exposed` list that names the generator's own methods.
import { expect } from 'chai';
import {
  AutoProxy,
  BaseManager,
  BaseProxy,
  IteratorProxy,
  AttributeError,
  ValueError,
  StopIteration,
} from '../../lib/index.js';
import { rejection } from '../helpers/assertions.js';
import { serve, type Served } from '../helpers/servers.js';

class FooBar {
  f(): string {
    return 'f()';
  }
  g(): never {
    throw new ValueError();
  }
  _h(): string {
    return '_h()';
  }
}

function* baz(): Generator<number> {
  for (let i = 0; i < 10; i++) yield i * i;
}

async function* asyncBaz(): AsyncGenerator<number> {
  for (let i = 0; i < 10; i++) yield i * i;
}

/** CPython's own IteratorProxy from the test: `_exposed_ = ('__next__',)`. */
class GeneratorProxy extends BaseProxy {
  static override readonly _exposed_ = ['__next__'];
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown> {
    for (;;) {
      try {
        yield await this._callMethod('__next__');
      } catch (err) {
        if (err instanceof StopIteration) return;
        throw err;
      }
    }
  }
}

class Squares {
  /** A method whose result is served as a new shared object of typeid 'Steps'. */
  *upTo(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i * i;
  }
}

class MyManager extends BaseManager {
  declare Foo: () => Promise<AutoProxy>;
  declare Bar: () => Promise<AutoProxy>;
  declare baz: () => Promise<GeneratorProxy>;
  declare bazNext: () => Promise<AutoProxy>;
  declare asyncBazNext: () => Promise<AutoProxy>;
  declare bazIterator: () => Promise<IteratorProxy<number>>;
  declare Squares: () => Promise<AutoProxy>;
}
MyManager.register('Foo', { callable: () => new FooBar() });
MyManager.register('Bar', { callable: () => new FooBar(), exposed: ['f', '_h'] });
MyManager.register('baz', { callable: baz, proxytype: GeneratorProxy });
MyManager.register('bazNext', { callable: baz, exposed: ['next'] });
MyManager.register('asyncBazNext', { callable: asyncBaz, exposed: ['next'] });
MyManager.register('bazIterator', { callable: baz, proxytype: IteratorProxy });
MyManager.register('Steps', { exposed: ['next', 'return'], createMethod: false });
MyManager.register('Squares', { callable: () => new Squares(), methodToTypeid: { upTo: 'Steps' } });

const expected = Array.from({ length: 10 }, (_, i) => i * i);

/** An AutoProxy exposing `next`, as the async iterable it is. */
function stepsOf(proxy: AutoProxy): AsyncIterable<unknown> {
  expect(proxy[Symbol.asyncIterator]).to.be.a('function');
  return proxy as unknown as AsyncIterable<unknown>;
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const v of iterable) seen.push(v);
  return seen;
}

describe('generators and CPython\'s FooBar/baz example', () => {
  let served: Served<MyManager>;
  before(async () => {
    served = await serve(MyManager);
  });
  after(() => served.close());

  it('Foo exposes its public methods, Bar exactly its list (CPython common())', async () => {
    const m = await served.client();
    const foo = await m.Foo();
    const bar = await m.Bar();
    expect(['f', 'g', '_h'].filter((name) => typeof foo[name] === 'function')).to.deep.equal(['f', 'g']);
    expect(['f', 'g', '_h'].filter((name) => typeof bar[name] === 'function')).to.deep.equal(['f', '_h']);
    expect(await foo.f()).to.equal('f()');
    expect(await rejection(foo.g())).to.be.instanceOf(ValueError);
    expect(await foo._callMethod('f')).to.equal('f()');
    expect(await rejection(foo._callMethod('_h'))).to.be.instanceOf(AttributeError);
    expect(await bar.f()).to.equal('f()');
    expect(await bar._h()).to.equal('_h()');
    expect(await bar._callMethod('_h')).to.equal('_h()');
  });

  it('baz with a proxy exposing __next__ iterates to StopIteration: list(baz)', async () => {
    const m = await served.client();
    expect(await collect(await m.baz())).to.deep.equal(expected);
  });

  it("exposed: ['next'] calls the generator's own next: { value, done } steps to the end", async () => {
    const m = await served.client();
    const g = await m.bazNext();
    const steps: unknown[] = [];
    for (;;) {
      const step = (await g.next()) as { value: unknown; done: boolean };
      if (step.done) break;
      steps.push(step.value);
    }
    expect(steps).to.deep.equal(expected);
    expect(((await g.next()) as { done: boolean }).done).to.equal(true);
  });

  it("for await runs over an AutoProxy exposing 'next' (sync and async generators)", async () => {
    const m = await served.client();
    expect(await collect(stepsOf(await m.bazNext()))).to.deep.equal(expected);
    expect(await collect(stepsOf(await m.asyncBazNext()))).to.deep.equal(expected);
  });

  it('for await runs over an IteratorProxy, and next() gives { done: true } after the end', async () => {
    const m = await served.client();
    const it = await m.bazIterator();
    expect(await collect(it)).to.deep.equal(expected);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it("a methodToTypeid result registered with exposed ['next', 'return'] uses the generator's own methods", async () => {
    const m = await served.client();
    const squares = await m.Squares();
    const steps = (await squares.upTo(4)) as AutoProxy;
    expect(await collect(stepsOf(steps))).to.deep.equal([0, 1, 4, 9]);
    const early = (await squares.upTo(4)) as AutoProxy;
    expect(await early.next()).to.deep.equal({ value: 0, done: false });
    expect(((await early.return(42)) as { value: unknown; done: boolean })).to.deep.equal({ value: 42, done: true });
    expect(((await early.next()) as { done: boolean }).done).to.equal(true);
  });

  it('names exposed on neither the adapter nor the generator still reject AttributeError', async () => {
    class Odd extends BaseManager {
      declare gen: () => Promise<AutoProxy>;
    }
    Odd.register('gen', { callable: baz, exposed: ['next', 'nope', 'constructor'] });
    const s = await serve(Odd);
    try {
      const m = await s.client();
      const g = await m.gen();
      expect(await rejection(g._callMethod('nope'))).to.be.instanceOf(AttributeError);
      expect(await rejection(g._callMethod('constructor'))).to.be.instanceOf(AttributeError);
      expect(await g.next()).to.deep.equal({ value: 0, done: false });
    } finally {
      await s.close();
    }
  });
});
