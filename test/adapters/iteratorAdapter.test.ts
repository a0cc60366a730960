// IteratorAdapter: Python's iterator/generator protocol over JS generators, async generators and
// plain iterators (messages checked against CPython 3.11.7).
import { expect } from 'chai';
import { AttributeError, RuntimeError, StopIteration, TypeError } from '../../lib/errors.js';
import { DictAdapter, ITERATOR_EXPOSED, IteratorAdapter } from '../../lib/server/adapters/index.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('IteratorAdapter', () => {
  it('walks a generator, then StopIteration carrying the return value, then StopIteration again', async () => {
    const adapter = new IteratorAdapter(
      (function* () {
        yield 1;
        yield 2;
        return 'done';
      })(),
    );
    expect(await adapter.__next__()).to.equal(1);
    expect(await adapter.__next__()).to.equal(2);
    const stop = await rejection(adapter.__next__());
    expect(stop).to.be.instanceOf(StopIteration);
    expect((stop as StopIteration & { value?: unknown }).value).to.equal('done');
    expect(await rejection(adapter.__next__())).to.be.instanceOf(StopIteration);
  });

  it('walks an async generator, and keeps overlapping calls in order', async () => {
    const adapter = new IteratorAdapter(
      (async function* () {
        for (let i = 0; i < 3; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          yield i;
        }
      })(),
    );
    const results = await Promise.allSettled([adapter.__next__(), adapter.__next__(), adapter.__next__(), adapter.__next__()]);
    expect(results.slice(0, 3).map((r) => (r as PromiseFulfilledResult<unknown>).value)).to.deep.equal([0, 1, 2]);
    expect((results[3] as PromiseRejectedResult).reason).to.be.instanceOf(StopIteration);
  });

  it('never overlaps calls on an async iterator that does not queue them itself', async () => {
    let active = 0;
    let mostActive = 0;
    let produced = 0;
    const iterator: AsyncIterator<number> = {
      async next() {
        active++;
        mostActive = Math.max(mostActive, active);
        const value = produced++;
        // The first call is the slowest: overlapping calls would all be in flight together.
        await new Promise((resolve) => setTimeout(resolve, value === 0 ? 20 : 1));
        active--;
        return { done: false, value };
      },
    };
    const adapter = new IteratorAdapter(iterator);
    expect(await Promise.all([adapter.__next__(), adapter.__next__(), adapter.__next__()])).to.deep.equal([0, 1, 2]);
    expect(mostActive).to.equal(1);
  });

  it('send() resumes a generator with a value; a non-None first send is a TypeError', async () => {
    const echo = function* (): Generator<unknown, void, unknown> {
      let received: unknown = 'start';
      for (;;) received = yield received;
    };
    const fresh = new IteratorAdapter(echo());
    const error = await rejection(fresh.send(5));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal("can't send non-None value to a just-started generator");
    const adapter = new IteratorAdapter(echo());
    expect(await adapter.send(null)).to.equal('start');
    expect(await adapter.send('ping')).to.equal('ping');
    expect(await adapter.__next__()).to.equal(undefined);
  });

  it('throw() raises inside the generator: caught → next value; uncaught → rethrown', async () => {
    const adapter = new IteratorAdapter(
      (function* () {
        try {
          yield 1;
        } catch (error) {
          yield `caught ${(error as Error).message}`;
        }
      })(),
    );
    await adapter.__next__();
    expect(await adapter.throw(new Error('boom'))).to.equal('caught boom');
    const thrown = await rejection(adapter.throw(new RuntimeError('again')));
    expect(thrown).to.be.instanceOf(RuntimeError);
    expect(thrown.message).to.equal('again');
    expect(await rejection(adapter.throw('not an error'))).to.be.instanceOf(TypeError);
  });

  it('close() runs the finally blocks; a generator that yields instead is a RuntimeError', async () => {
    let cleaned = false;
    const adapter = new IteratorAdapter(
      (function* () {
        try {
          yield 1;
          yield 2;
        } finally {
          cleaned = true;
        }
      })(),
    );
    await adapter.__next__();
    expect(await adapter.close()).to.equal(null);
    expect(cleaned).to.equal(true);
    expect(await rejection(adapter.__next__())).to.be.instanceOf(StopIteration);

    const stubborn = new IteratorAdapter(
      (function* () {
        try {
          yield 1;
        } finally {
          yield 'refuses';
        }
      })(),
    );
    await stubborn.__next__();
    const error = await rejection(stubborn.close());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('generator ignored GeneratorExit');
  });

  it("a plain iterator has no send/throw/close: CPython's AttributeError messages", async () => {
    // CPython 3.11.7: iter({}).send → "'dict_keyiterator' object has no attribute 'send'"
    const keys = new IteratorAdapter(new DictAdapter(new Map([['a', 1]])).__iter__());
    const error = await rejection(keys.send(null));
    expect(error).to.be.instanceOf(AttributeError);
    expect(error.message).to.equal("'dict_keyiterator' object has no attribute 'send'");
    expect(await rejection(keys.close())).to.be.instanceOf(AttributeError);
    expect(await rejection(keys.throw(new Error('x')))).to.be.instanceOf(AttributeError);
    expect(await keys.__next__()).to.equal('a');
    expect(await rejection(keys.__next__())).to.be.instanceOf(StopIteration);
  });

  it('passes on a dict size change during iteration as RuntimeError', async () => {
    const dict = new DictAdapter({ a: 1 });
    const keys = new IteratorAdapter(dict.__iter__());
    dict.__setitem__('b', 2);
    const error = await rejection(keys.__next__());
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal('dictionary changed size during iteration');
  });

  it('takes the iterator of an iterable (Array, Set, async iterable); refuses non-iterables', async () => {
    expect(await new IteratorAdapter([7]).__next__()).to.equal(7);
    expect(await new IteratorAdapter(new Set(['s'])).__next__()).to.equal('s');
    const asyncIterable = {
      async *[Symbol.asyncIterator]() {
        yield 'async';
      },
    };
    expect(await new IteratorAdapter(asyncIterable).__next__()).to.equal('async');
    expect(() => new IteratorAdapter(5 as unknown as Iterable<unknown>)).to.throw(TypeError, "'int' object is not an iterator");
    expect(ITERATOR_EXPOSED).to.deep.equal(['__next__', 'send', 'throw', 'close']);
  });
});
