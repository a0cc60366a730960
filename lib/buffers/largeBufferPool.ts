// Large buffers kept for reuse between the codec, which encodes a large message into one, and the
// connection, which hands it back once the socket has written it.
//
// Why: a fresh allocation of a megabyte or more is new memory, and the first write to each of its
// pages is a page fault. On the virtual machines this runs on, that made copying 1 MiB into a fresh
// buffer cost ~1 ms, forty times the copy into memory already touched (bench row binary-1MiB,
// docs/performance.md). Only buffers the pool lent are ever taken back, so a caller that keeps a
// buffer (or never sends it) simply keeps it, and the garbage collector frees it as usual.

/** Buffers smaller than this are not pooled: small allocations reuse memory already touched. */
export const POOLED_MIN = 256 * 1024;

export interface LargeBufferPoolOptions {
  /** Most bytes kept idle in the pool. Default 64 MiB. */
  maxIdleBytes?: number;
  /** Idle buffers are all let go this long after the pool was last used, in ms. Default 5000. */
  idleReleaseMs?: number;
}

export class LargeBufferPool {
  private readonly maxIdleBytes: number;
  private readonly idleReleaseMs: number;
  /** Buffers waiting to be lent again, smallest first. */
  private readonly idle: ArrayBuffer[] = [];
  private idleBytes = 0;
  /** Buffers lent and not yet given back: only these are taken back. */
  private readonly lent = new WeakSet<ArrayBuffer>();
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(options: LargeBufferPoolOptions = {}) {
    this.maxIdleBytes = options.maxIdleBytes ?? 64 * 1024 * 1024;
    this.idleReleaseMs = options.idleReleaseMs ?? 5000;
  }

  /**
   * A buffer of at least `size` bytes (its contents are stale): an idle one of at most `largest`
   * bytes (default twice `size`), else a new one of exactly `size` bytes. Give it back with give()
   * once nothing uses it.
   */
  take(size: number, largest = 2 * size): ArrayBuffer {
    let buffer: ArrayBuffer | undefined;
    const index = this.idle.findIndex((candidate) => candidate.byteLength >= size);
    if (index >= 0 && this.idle[index].byteLength <= largest) {
      buffer = this.idle[index];
      this.idle.splice(index, 1);
      this.idleBytes -= buffer.byteLength;
    } else {
      buffer = Buffer.allocUnsafeSlow(size).buffer;
    }
    this.lent.add(buffer);
    this.touch();
    return buffer;
  }

  /** True if `buffer` was lent by take() and not given back yet. */
  lends(buffer: ArrayBufferLike): boolean {
    return this.lent.has(buffer as ArrayBuffer);
  }

  /**
   * Takes `buffer` back if this pool lent it; anything else is ignored. The caller promises that
   * nothing reads or writes it any more (for a sent message: the socket has written it).
   */
  give(buffer: ArrayBufferLike): void {
    if (!this.lent.delete(buffer as ArrayBuffer)) return;
    const bytes = buffer.byteLength;
    if (this.idleBytes + bytes > this.maxIdleBytes) return;
    const at = this.idle.findIndex((candidate) => candidate.byteLength >= bytes);
    this.idle.splice(at < 0 ? this.idle.length : at, 0, buffer as ArrayBuffer);
    this.idleBytes += bytes;
    this.touch();
  }

  /** Bytes held idle (for tests and diagnostics). */
  get idleByteCount(): number {
    return this.idleBytes;
  }

  /** Lets every idle buffer go. */
  clear(): void {
    this.idle.length = 0;
    this.idleBytes = 0;
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  /** Restarts the idle countdown (one unref'd timer, refreshed rather than re-created). */
  private touch(): void {
    if (this.releaseTimer === undefined) {
      this.releaseTimer = setTimeout(() => this.clear(), this.idleReleaseMs);
      this.releaseTimer.unref();
    } else {
      this.releaseTimer.refresh();
    }
  }
}

/** The pool the codec and the connections of this process share. */
export const largeBuffers = new LargeBufferPool();
