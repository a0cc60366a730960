// Frees the large buffers a program was handed and has let go, while they are still young.
//
// A large bin value received (a 1 MiB binary get) is handed to the caller as a view into its
// message's buffer, a fresh allocation each time (lib/codec decodeOwned): the pool cannot take it
// back, since the caller may keep it. Once the caller lets it go it is garbage, but V8 collects the
// young generation when its JavaScript objects fill it, and a client that gets large values
// allocates almost nothing else: the dead buffers pile up outside the heap until V8 runs a full
// mark-compact for them, every 20-30 MiB received (2-15 ms pauses; the 10 ms p99 of the 1 MiB get
// row). A young-generation collection every YOUNG_RELEASE_BYTES handed out frees them first, in
// well under a millisecond, and the memory freed is reused before the C library gives it back to
// the system (fewer page faults). Measured: bench/tools/binaryProbe.ts, docs/performance.md.
import { collector } from './collector.js';

/** Bytes of large buffers handed out between two young-generation collections. */
export const YOUNG_RELEASE_BYTES = 8 * 1024 * 1024;

/**
 * One buffer of this size, allocated (never written) and dropped before the first large buffer is
 * handed out: see primeAllocator.
 */
export const ALLOCATOR_PRIME_BYTES = YOUNG_RELEASE_BYTES;

let handedOut = 0;
let scheduled = false;
let primed = false;

/** Called with the size of each large buffer handed out to be kept or dropped by its receiver. */
export function noteBufferHandedOut(bytes: number): void {
  if (!primed) primeAllocator();
  handedOut += bytes;
  if (handedOut < YOUNG_RELEASE_BYTES || scheduled) return;
  handedOut = 0;
  scheduled = true;
  // After this turn: by then the caller has had the value, and most likely dropped the one before.
  setImmediate(collectYoung).unref();
}

function collectYoung(): void {
  scheduled = false;
  collector()?.({ type: 'minor' });
}

/**
 * Lets the C library keep the memory of the buffers a young collection frees, for the next ones.
 * glibc's malloc maps a block over its threshold (128 KiB at first) with mmap; freeing such a block
 * raises the threshold to its size and the heap's trim threshold to twice that. A client that gets
 * 1 MiB values thus ends with a 2 MiB trim threshold, and each young collection (every
 * YOUNG_RELEASE_BYTES handed out) frees 8 MiB at once: glibc gives it back to the system, and the
 * next values fault their pages in afresh (measured: 20-130 page faults per 1 MiB get, a third of
 * the client's system time; 2-6 after this). An 8 MiB block allocated here, never touched (so it
 * costs no page), and freed by the next collection, raises the thresholds to 8 and 16 MiB once: a
 * batch freed by a young collection then stays in the heap for the next values. At most 16 MiB of
 * freed memory is kept; elsewhere (another C library) this is one untouched allocation, nothing more.
 */
function primeAllocator(): void {
  primed = true;
  Buffer.allocUnsafeSlow(ALLOCATOR_PRIME_BYTES);
}

/** Whether primeAllocator has run (for tests). */
export function allocatorPrimed(): boolean {
  return primed;
}
