// Test helpers for the primitives: promise state probes, timing and error capture.
import { expect } from 'chai';

export type PromiseState = 'pending' | 'fulfilled' | 'rejected';

/** Lets every queued microtask and due immediate run (all promise chains settle first). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The state of a promise once pending microtasks have run. Marks a rejection as handled. */
export async function stateOf(promise: Promise<unknown>): Promise<PromiseState> {
  let state: PromiseState = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await flush();
  return state;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Awaits `promise` and returns how long it took in seconds, with its value or error. */
export async function timed<T>(
  promise: Promise<T>,
): Promise<{ seconds: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { seconds: (performance.now() - start) / 1000, value };
  } catch (error) {
    return { seconds: (performance.now() - start) / 1000, error };
  }
}

/** Generous bounds: a timer may fire a millisecond early and the machine is shared. */
export function expectAbout(seconds: number, expected: number): void {
  expect(seconds).to.be.at.least(expected * 0.9 - 0.005);
  expect(seconds).to.be.below(expected + 1.5);
}

export function expectQuick(seconds: number): void {
  expect(seconds).to.be.below(0.5);
}

export { rejectionOf } from '../helpers/assertions.js';

/** The error a synchronous call throws; fails the test if it returns. */
export function errorOf(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error;
  }
  expect.fail('expected the call to throw');
}

/** How many timers are alive in this process (to check that settled waits clear theirs). */
export function activeTimerCount(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
