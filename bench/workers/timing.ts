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
  /** Latency of one operation in the window, microseconds (see LatencySamples). */
  latency?: Latency;
}

/** Percentiles of one operation's latency, in microseconds. */
export interface Latency {
  p50: number;
  p99: number;
  p999: number;
}

/**
 * Latencies of the operations of a window. A step of `timed` that does n operations counts as n
 * samples of its time / n (dict_seq's set + get); `pipelined` times each call.
 */
export class LatencySamples {
  private samples = new Float64Array(1024);
  private count = 0;

  add(us: number, times = 1): void {
    for (let i = 0; i < times; i++) {
      if (this.count === this.samples.length) {
        const grown = new Float64Array(this.samples.length * 2);
        grown.set(this.samples);
        this.samples = grown;
      }
      this.samples[this.count++] = us;
    }
  }

  percentiles(): Latency | undefined {
    if (this.count === 0) return undefined;
    const sorted = this.samples.subarray(0, this.count).sort();
    const at = (q: number): number => sorted[Math.min(this.count - 1, Math.floor(q * this.count))];
    return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
  }
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
  let now = started;
  const latencies = new LatencySamples();
  do {
    const before = now;
    const done = await step();
    ops += done;
    now = performance.now();
    if (done > 0) latencies.add(((now - before) * 1000) / done, done);
  } while (now < deadline || ops < minOps);
  return { ...rateOf(ops, now - started), latency: latencies.percentiles() };
}

/** Keeps `depth` calls in flight: `depth` lanes, each starting its next call when its last one ends. */
export async function pipelined(depth: number, call: () => Promise<unknown>, params: TimedParams): Promise<Rate> {
  const latencies = new LatencySamples();
  const lanes = async (until: number, counted: boolean): Promise<number> => {
    let ops = 0;
    const lane = async (): Promise<void> => {
      let now = performance.now();
      while (now < until) {
        const before = now;
        await call();
        now = performance.now();
        if (counted) {
          ops++;
          latencies.add((now - before) * 1000);
        }
      }
    };
    await Promise.all(Array.from({ length: depth }, lane));
    return ops;
  };
  await lanes(performance.now() + (params.warmup ?? 0) * 1000, false);
  await sleepUntil(params.startAt);
  const started = performance.now();
  const ops = await lanes(started + params.duration * 1000, true);
  return { ...rateOf(ops, performance.now() - started), latency: latencies.percentiles() };
}

export function rateOf(ops: number, ms: number): Rate {
  return { ops, seconds: ms / 1000, rate: ops / (ms / 1000) };
}
