// IMapIterator: the results of Pool.imap / imapUnordered (Python's IMapIterator), consumed with
// `for await` or `next(timeout)`. A `next` that times out consumes nothing: the item it waited for
// is what the following `next` returns.
import { TimeoutError } from '../errors.js';
import type { WaitOptions } from '../proxies/base.js';
import { settledWithin } from './asyncResult.js';

type Settled = { values: unknown[] } | { error: unknown };

export class IMapIterator<R = unknown> implements AsyncIterableIterator<R, undefined, undefined> {
  /** Chunk outcomes ready to be read, in the order they are yielded. */
  private readonly readyChunks: Settled[] = [];
  /** The values of the chunk being read, and how far. */
  private current: unknown[] = [];
  private cursor = 0;
  /** Chunks not yet taken from readyChunks (0: the iteration is over once `current` is read). */
  private chunksLeft: number;
  /** Resolves when a chunk outcome is pushed; replaced each time. */
  private progress!: Promise<void>;
  private wake!: () => void;

  /** `ordered`: yield chunks in submission order (imap), else as they complete (imapUnordered). */
  constructor(chunks: Promise<unknown[]>[], ordered: boolean) {
    this.chunksLeft = chunks.length;
    this.resetProgress();
    if (ordered) {
      const outcomes: (Settled | undefined)[] = new Array(chunks.length);
      let nextIndex = 0;
      chunks.forEach((chunk, i) => {
        void settle(chunk).then((outcome) => {
          outcomes[i] = outcome;
          while (nextIndex < outcomes.length && outcomes[nextIndex] !== undefined) this.push(outcomes[nextIndex++]!);
        });
      });
    } else {
      for (const chunk of chunks) void settle(chunk).then((outcome) => this.push(outcome));
    }
  }

  /**
   * The next result, or `{ done: true }` after the last. Rejects TimeoutError when none is ready within
   * `timeout` seconds (null: no limit), AbortError on abort, or with the task's error (once per
   * failed chunk; the iteration goes on after it).
   */
  async next(timeout: number | null = null, options: WaitOptions = {}): Promise<IteratorResult<R, undefined>> {
    const deadline = timeout === null || timeout === undefined ? null : Date.now() + Math.max(0, timeout) * 1000;
    for (;;) {
      if (this.cursor < this.current.length) return { value: this.current[this.cursor++] as R, done: false };
      const outcome = this.readyChunks.shift();
      if (outcome !== undefined) {
        this.chunksLeft--;
        this.current = [];
        this.cursor = 0;
        if ('error' in outcome) throw outcome.error;
        this.current = outcome.values;
        continue;
      }
      if (this.chunksLeft === 0) return { value: undefined, done: true };
      const progress = this.progress;
      const remaining = deadline === null ? null : (deadline - Date.now()) / 1000;
      let arrived = false;
      await settledWithin(progress.then(() => void (arrived = true)), remaining, options.signal);
      if (!arrived) throw new TimeoutError(`no result within ${timeout} s`);
    }
  }

  /** Ends the iteration early (a `break` out of `for await`); the tasks already submitted still run. */
  async return(): Promise<IteratorResult<R, undefined>> {
    this.chunksLeft = 0;
    this.readyChunks.length = 0;
    this.current = [];
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private push(outcome: Settled): void {
    if (this.chunksLeft === 0) return; // returned early: nothing more is read
    this.readyChunks.push(outcome);
    const wake = this.wake;
    this.resetProgress();
    wake();
  }

  private resetProgress(): void {
    this.progress = new Promise((resolve) => (this.wake = resolve));
  }
}

/** Never rejects: a chunk nobody reads must not become an unhandled rejection. */
function settle(chunk: Promise<unknown[]>): Promise<Settled> {
  return chunk.then(
    (values) => ({ values }),
    (error: unknown) => ({ error }),
  );
}
