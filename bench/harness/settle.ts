// Before each row of a full run: waits until the machine's run queue has drained, so that a row is
// not measured in the aftermath of the one before it. In session 7's full run the idle-clients row
// (10,000 connections on each side, closed at its end) left a load average of 330, and the rows
// after it ran under that (docs/performance.md, "Last full run").
import os from 'node:os';
import { runnableThreads } from '../../lib/connection/cpuLoad.js';

/** The run queue must stay at or under the CPU count this many samples in a row... */
const QUIET_SAMPLES = 5;
/** ...taken this far apart (ms). */
const SAMPLE_MS = 100;
/** Never waits longer than this (s): a machine busy with other work is measured as it is. */
const CAP_S = 30;

/**
 * Resolves once the run queue has been no longer than the CPU count for QUIET_SAMPLES samples in a
 * row, or after CAP_S. Returns how long it waited (s) and the longest queue it saw.
 */
export async function settle(): Promise<{ waitedS: number; longest: number }> {
  const started = performance.now();
  const cpus = os.availableParallelism();
  let quiet = 0;
  let longest = 0;
  while (quiet < QUIET_SAMPLES && performance.now() - started < CAP_S * 1000) {
    const now = runnableThreads(); // undefined where it cannot be read: nothing to wait for
    if (now === undefined) break;
    longest = Math.max(longest, now);
    quiet = now <= cpus ? quiet + 1 : 0;
    if (quiet < QUIET_SAMPLES) await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  return { waitedS: (performance.now() - started) / 1000, longest };
}
