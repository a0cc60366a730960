// Timeouts (in seconds, as Python) and cancellation shared by every primitive.
import { AbortError, ValueError } from '../errors.js';

/** queue.Queue's message for a negative timeout; used by every primitive Python lets wait negative. */
export const NEGATIVE_TIMEOUT_MESSAGE = "'timeout' must be a non-negative number";

/**
 * Validates a timeout in seconds and normalises it: null means "wait forever" (null, undefined and
 * Infinity), otherwise a number >= 0 (0 polls). Negative or NaN → ValueError(message).
 */
export function checkTimeout(
  timeout: number | null | undefined,
  message: string = NEGATIVE_TIMEOUT_MESSAGE,
): number | null {
  if (timeout === null || timeout === undefined || timeout === Infinity) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) throw new ValueError(message);
  return timeout;
}

/** Throws AbortError when the signal has already fired, so an aborted call changes no state. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFor(signal);
}

export function abortErrorFor(signal: AbortSignal): AbortError {
  return new AbortError('the wait was aborted', { cause: signal.reason });
}

/**
 * Calls onExpiry after `seconds`; returns the function that cancels it. setTimeout fires at once for
 * delays above 2^31-1 ms (~24.8 days), so longer waits are chained in steps.
 */
export function startTimer(seconds: number, onExpiry: () => void): () => void {
  let remainingMs = seconds * 1000;
  let handle: NodeJS.Timeout;
  const armNextStep = (): void => {
    const stepMs = Math.min(remainingMs, MAX_TIMER_MS);
    remainingMs -= stepMs;
    handle = setTimeout(remainingMs > 0 ? armNextStep : onExpiry, stepMs);
  };
  armNextStep();
  return () => clearTimeout(handle);
}

const MAX_TIMER_MS = 2 ** 31 - 1;
