// The opt-in reconnect policy of a client manager: after its connection is lost, the next
// manager-level call (create a proxy, _numberOfObjects...) opens a new connection to the same
// address, retrying with exponential backoff up to a number of attempts.
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import { AuthenticationError, ConnectionClosedError, ValueError } from '../errors.js';

const log = createDebug('mpmanagers:client');

export interface ReconnectOptions {
  /** Connection attempts before giving up (the waiting call then rejects ConnectionClosedError). Default 10; null = no end. */
  maxAttempts?: number | null;
  /** Seconds to wait after the first failed attempt. Default 0.1. */
  initialDelay?: number;
  /** Longest wait between two attempts, in seconds. Default 5. */
  maxDelay?: number;
  /** Each wait is the previous one times this. Default 2. Waits are jittered down by up to half. */
  factor?: number;
}

export interface ReconnectSettings {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** `true` = the defaults; false/undefined = no reconnecting. Throws ValueError for bad values. */
export function reconnectSettings(options: boolean | ReconnectOptions | undefined): ReconnectSettings | undefined {
  if (options === undefined || options === false) return undefined;
  const { maxAttempts = 10, initialDelay = 0.1, maxDelay = 5, factor = 2 } = options === true ? {} : options;
  if (maxAttempts !== null && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    throw new ValueError(`reconnect.maxAttempts must be an integer >= 1 or null, not ${maxAttempts}`);
  }
  if (!(initialDelay >= 0) || !(maxDelay >= initialDelay) || !(factor >= 1)) {
    throw new ValueError('reconnect needs 0 <= initialDelay <= maxDelay (seconds) and factor >= 1');
  }
  return { maxAttempts: maxAttempts ?? Infinity, initialDelayMs: initialDelay * 1000, maxDelayMs: maxDelay * 1000, factor };
}

/**
 * Calls `open` until it resolves, waiting between failures. Gives up with ConnectionClosedError
 * (the last failure as its cause) after maxAttempts, at once on AuthenticationError (a wrong key
 * does not heal), or when `signal` aborts (the manager was closed).
 */
export async function openWithRetries<T>(open: () => Promise<T>, settings: ReconnectSettings, label: string, signal: AbortSignal): Promise<T> {
  let delayMs = settings.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new ConnectionClosedError('the manager was closed while reconnecting');
    try {
      const opened = await open();
      log('reconnected to %s (attempt %d)', label, attempt);
      return opened;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      log('reconnect attempt %d to %s failed: %s', attempt, label, (error as Error).message);
      if (attempt >= settings.maxAttempts) {
        throw new ConnectionClosedError(`could not reconnect to ${label} after ${attempt} attempt(s): ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const jittered = delayMs * (0.5 + Math.random() / 2);
    try {
      await sleep(jittered, undefined, { signal });
    } catch {
      throw new ConnectionClosedError('the manager was closed while reconnecting');
    }
    delayMs = Math.min(settings.maxDelayMs, delayMs * settings.factor);
  }
}
