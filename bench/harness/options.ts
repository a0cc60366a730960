// Command-line options of bench/run.ts and the sizes of the work they select.
import { parseArgs } from 'node:util';

export type Transport = 'tcp' | 'unix';

export interface BenchOptions {
  /** --quick: everything scaled down to run in under a minute (CI). */
  quick: boolean;
  /** --check: exit 1 when a target of the table is missed. */
  check: boolean;
  /** --only=seq,lock: run these rows only (ids in bench/rows/index.ts). */
  only: string[] | undefined;
  /** --tcp-only: skip the Unix-socket column. */
  transports: Transport[];
  /** --profile: mpmanagers servers (and Node clients) write .cpuprofile files to bench/results/profiles. */
  profile: boolean;
  /** --tsx: run the workers from the TypeScript sources through tsx (slower to start). */
  tsx: boolean;
  sizes: WorkSizes;
}

/** How much work each row does. */
export interface WorkSizes {
  /** Seconds of one measured window. */
  duration: number;
  /** Seconds of discarded warm-up before each window. */
  warmup: number;
  /** Repetitions of each measurement (the median is reported). */
  reps: number;
  /** Repetitions of the heavy rows (aggregate, queue). */
  heavyReps: number;
  /** Unmeasured rounds before the measured ones (see Bench.rounds; the queue row runs its own). */
  warmupRounds: number;
  /** Client process counts of the aggregate row. */
  clientCounts: number[];
  queueItems: number;
  dictEntries: number;
  idleClients: number;
  /**
   * Seconds CPython's client processes get to open their idle clients. CPython's accepter
   * authenticates one connection at a time and never gives up on a stalled one, which holds up every
   * connection behind it; the row divides by the connections actually served, so a deadline costs
   * nothing but the stragglers.
   */
  idleOpenSeconds: number;
  /** Client processes the idle clients are spread over. */
  idleProcesses: number;
  binarySizes: number[];
}

const MiB = 1024 * 1024;

const FULL: WorkSizes = {
  duration: 1,
  warmup: 0.3,
  reps: 5,
  heavyReps: 3,
  warmupRounds: 3,
  clientCounts: [1, 4, 16, 64],
  queueItems: 100_000,
  dictEntries: 1_000_000,
  idleClients: 10_000,
  idleOpenSeconds: 30,
  idleProcesses: 10,
  binarySizes: [1 * MiB, 16 * MiB],
};

const QUICK: WorkSizes = {
  duration: 0.2,
  warmup: 0.1,
  reps: 1,
  heavyReps: 1,
  warmupRounds: 0,
  clientCounts: [1, 4],
  queueItems: 5_000,
  dictEntries: 100_000,
  idleClients: 1_000,
  idleOpenSeconds: 5,
  idleProcesses: 4,
  binarySizes: [1 * MiB, 16 * MiB],
};

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      only: { type: 'string' },
      'tcp-only': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      reps: { type: 'string' },
      duration: { type: 'string' },
    },
  });
  const sizes = { ...(values.quick ? QUICK : FULL) };
  if (values.reps !== undefined) sizes.reps = sizes.heavyReps = positive('--reps', values.reps);
  if (values.duration !== undefined) sizes.duration = positive('--duration', values.duration);
  return {
    quick: values.quick,
    check: values.check,
    only: values.only?.split(',').map((id) => id.trim()),
    transports: values['tcp-only'] ? ['tcp'] : ['tcp', 'unix'],
    profile: values.profile,
    tsx: values.tsx,
    sizes,
  };
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, not '${text}'`);
  return value;
}
