// Python's iterator protocol over a JS iterator, generator, async iterator or async generator, as
// served to an IteratorProxy: `__next__` returns the next value or throws StopIteration; generators
// also take `send`, `throw` and `close`.
import { AttributeError, RuntimeError, StopIteration, TypeError } from '../../errors.js';
import { pyTypeName } from './pyTypes.js';

export const ITERATOR_EXPOSED: readonly string[] = Object.freeze(['__next__', 'send', 'throw', 'close']);

type AnyIterator = Iterator<unknown, unknown, unknown> | AsyncIterator<unknown, unknown, unknown>;
type AnyIterable = Iterable<unknown> | AsyncIterable<unknown>;

export class IteratorAdapter {
  readonly iterator: AnyIterator;
  /** Only generators receive a sent value (through `next(value)`); other iterators have no `send`. */
  private readonly acceptsSend: boolean;
  private started = false;
  /** Calls run one at a time, in arrival order: an async generator queues them, other async iterators may not. */
  private previousCall: Promise<unknown> = Promise.resolve();

  /** `source`: an iterator, or an iterable whose iterator is taken (async first). */
  constructor(source: AnyIterator | AnyIterable) {
    this.iterator = toIterator(source);
    this.acceptsSend = isGenerator(this.iterator);
  }

  /** The next value; StopIteration (carrying the generator's return value as `value`) at the end. */
  async __next__(): Promise<unknown> {
    return this.step((iterator) => iterator.next());
  }

  /** Resumes a generator with `value`; `send(null)` on a fresh generator starts it, as Python. */
  async send(value: unknown): Promise<unknown> {
    if (!this.acceptsSend) throw this.missingMethod('send');
    return this.step((iterator) => {
      if (!this.started && value !== null && value !== undefined) {
        throw new TypeError("can't send non-None value to a just-started generator");
      }
      return iterator.next(value);
    });
  }

  /** Raises `error` inside the generator; returns the next value it yields. */
  async throw(error: unknown): Promise<unknown> {
    if (typeof this.iterator.throw !== 'function') throw this.missingMethod('throw');
    if (!(error instanceof Error)) {
      throw new TypeError(`exceptions must be classes or instances deriving from BaseException, not ${pyTypeName(error)}`);
    }
    return this.step((iterator) => iterator.throw!(error));
  }

  /** Finishes the generator (its `finally` blocks run). RuntimeError if it yields again instead. */
  async close(): Promise<null> {
    if (typeof this.iterator.return !== 'function') throw this.missingMethod('close');
    await this.enqueue(async () => {
      const result = await this.iterator.return!(undefined);
      if (result.done !== true) throw new RuntimeError('generator ignored GeneratorExit');
    });
    return null;
  }

  private step(
    call: (iterator: AnyIterator) => IteratorResult<unknown, unknown> | Promise<IteratorResult<unknown, unknown>>,
  ): Promise<unknown> {
    return this.enqueue(async () => {
      const pending = call(this.iterator);
      this.started = true;
      const result = await pending;
      if (result.done === true) throw stopIteration(result.value);
      return result.value;
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.previousCall.then(task);
    // The chain only orders calls; each caller gets its own outcome through `run`.
    this.previousCall = Promise.allSettled([run]);
    return run;
  }

  private missingMethod(name: string): AttributeError {
    return new AttributeError(`'${pyTypeName(this.iterator)}' object has no attribute '${name}'`);
  }
}

function toIterator(source: AnyIterator | AnyIterable): AnyIterator {
  if (typeof (source as { next?: unknown }).next === 'function') return source as AnyIterator;
  if (typeof source === 'object' && source !== null) {
    if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
    if (Symbol.iterator in source) return source[Symbol.iterator]();
  }
  throw new TypeError(`'${pyTypeName(source)}' object is not an iterator`);
}

function isGenerator(iterator: AnyIterator): boolean {
  const tag = Object.prototype.toString.call(iterator);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

function stopIteration(returnValue: unknown): StopIteration {
  const stop = new StopIteration();
  // As Python's StopIteration.value: what the generator returned (sent along as an error field).
  if (returnValue !== undefined) Object.assign(stop, { value: returnValue });
  return stop;
}
