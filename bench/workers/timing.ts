// How every client job is timed: a warm-up (discarded), then a window that opens at `startAt`
// (epoch ms, so that clients in many processes start together) and counts operations for `duration`
// seconds. Rates are operations per second of the window.

export interface TimedParams {
  /** Seconds of discarded warm-up before the window. Default 0. */
  warmup?: number;
  /** Seconds the window lasts (it ends after the first operation completed past it). */
  duration: number;
  /** Epoch milliseconds at which the window opens. Default: right after the warm-up. */
  startAt?: number;
  /** The window lasts at least this many operations (slow systems). Default 1. */
  minOps?: number;
}

export interface Rate {
  ops: number;
  seconds: number;
  rate: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable across processes). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleepUntil(epoch: number | undefined): Promise<void> {
  const delay = epoch === undefined ? 0 : epoch - epochMs();
  return delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : Promise.resolve();
}

/** Runs `step` (resolving to the number of operations it did) back to back. */
export async function timed(step: () => Promise<number>, params: TimedParams): Promise<Rate> {
  const warmupEnd = performance.now() + (params.warmup ?? 0) * 1000;
  while (performance.now() < warmupEnd) await step();
  await sleepUntil(params.startAt);
  const minOps = params.minOps ?? 1;
  const started = performance.now();
  const deadline = started + params.duration * 1000;
  let ops = 0;
  let now: number;
  do {
    ops += await step();
    now = performance.now();
  } while (now < deadline || ops < minOps);
  return rateOf(ops, now - started);
}

/** Keeps `depth` calls in flight: `depth` lanes, each starting its next call when its last one ends. */
export async function pipelined(depth: number, call: () => Promise<unknown>, params: TimedParams): Promise<Rate> {
  const lanes = async (until: number, counted: boolean): Promise<number> => {
    let ops = 0;
    const lane = async (): Promise<void> => {
      while (performance.now() < until) {
        await call();
        if (counted) ops++;
      }
    };
    await Promise.all(Array.from({ length: depth }, lane));
    return ops;
  };
  await lanes(performance.now() + (params.warmup ?? 0) * 1000, false);
  await sleepUntil(params.startAt);
  const started = performance.now();
  const ops = await lanes(started + params.duration * 1000, true);
  return rateOf(ops, performance.now() - started);
}

export function rateOf(ops: number, ms: number): Rate {
  return { ops, seconds: ms / 1000, rate: ops / (ms / 1000) };
}
