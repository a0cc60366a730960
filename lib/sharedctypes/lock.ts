// Locks in shared memory, for worker threads: the state lives in a SharedArrayBuffer, so a lock
// sent to another thread (with a sharedctypes object or on its own) is the same lock there. Built on
// Atomics: a compare-and-swap when free, Atomics.waitAsync when held, so waiting never blocks the
// event loop. A classic three-state futex mutex (0 free, 1 held, 2 held with waiters).
import { threadId } from 'node:worker_threads';
import { RuntimeError, ValueError } from '../errors.js';

const STATE = 0;
const OWNER = 1;
const COUNT = 2;
const WORDS = 3;

/** Atomics.waitAsync (in Node since 16; TypeScript's lib types it from ES2024 on). */
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) =>
  { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync.bind(Atomics);

/** What both locks share: the memory, and acquiring the underlying mutex. */
abstract class AtomicLock {
  /** [state, owner (RLock: thread id + 1), recursion count]. */
  protected readonly words: Int32Array;

  /** A new lock, or (given the memory of one) that lock: how a lock is rebuilt in another thread. */
  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT));
  }

  /** The shared memory of this lock (what travels to another thread). */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /**
   * Acquires the lock; with `blocking` false, only if it is free now. `timeout` in seconds (null or
   * undefined: no limit). Resolves true once held, false if it was not acquired.
   */
  abstract acquire(blocking?: boolean, timeout?: number | null): Promise<boolean>;
  abstract release(): void;

  /** Runs `fn` holding the lock (Python's `with lock:`); the lock is released however `fn` ends. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  protected async lockMutex(blocking: boolean, timeout: number | null | undefined): Promise<boolean> {
    const s = this.words;
    let c = Atomics.compareExchange(s, STATE, 0, 1);
    if (c === 0) return true;
    if (!blocking) return false;
    if (timeout !== null && timeout !== undefined && !(timeout >= 0)) throw new ValueError('timeout value must be a non-negative number');
    const deadline = timeout === null || timeout === undefined ? Infinity : performance.now() + timeout * 1000;
    if (c !== 2) c = Atomics.exchange(s, STATE, 2);
    while (c !== 0) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      const waited = waitAsync(s, STATE, 2, remaining === Infinity ? undefined : remaining);
      if (waited.async) await waited.value;
      c = Atomics.exchange(s, STATE, 2);
    }
    return true;
  }

  protected unlockMutex(): void {
    if (Atomics.exchange(this.words, STATE, 0) === 2) Atomics.notify(this.words, STATE, 1);
  }
}

/** A non-recursive lock (multiprocessing.Lock): any thread may release it. */
export class Lock extends AtomicLock {
  override acquire(blocking = true, timeout: number | null = null): Promise<boolean> {
    return this.lockMutex(blocking, timeout);
  }

  /** ValueError if the lock is not held (as CPython's multiprocessing.Lock). */
  override release(): void {
    if (Atomics.load(this.words, STATE) === 0) throw new ValueError('semaphore or lock released too many times');
    this.unlockMutex();
  }

  locked(): boolean {
    return Atomics.load(this.words, STATE) !== 0;
  }

  override toString(): string {
    return `<sharedctypes.Lock(${this.locked() ? 'locked' : 'unlocked'})>`;
  }
}

/**
 * A recursive lock (multiprocessing.RLock, the default lock of Value and Array): the thread that
 * holds it may acquire it again, and must release it as many times. The owner is a thread: the async
 * tasks of one thread share it, as the coroutines of one Python thread would.
 */
export class RLock extends AtomicLock {
  override async acquire(blocking = true, timeout: number | null = null): Promise<boolean> {
    const me = threadId + 1;
    if (Atomics.load(this.words, OWNER) === me) {
      this.words[COUNT]++;
      return true;
    }
    if (!(await this.lockMutex(blocking, timeout))) return false;
    Atomics.store(this.words, OWNER, me);
    this.words[COUNT] = 1;
    return true;
  }

  /** RuntimeError unless this thread holds the lock. */
  override release(): void {
    if (Atomics.load(this.words, OWNER) !== threadId + 1) throw new RuntimeError('cannot release un-acquired lock');
    if (--this.words[COUNT] > 0) return;
    Atomics.store(this.words, OWNER, 0);
    this.unlockMutex();
  }

  override toString(): string {
    const owner = Atomics.load(this.words, OWNER);
    return owner === 0 ? '<sharedctypes.RLock(None, 0)>' : `<sharedctypes.RLock(thread ${owner - 1}, ${this.words[COUNT]})>`;
  }
}
