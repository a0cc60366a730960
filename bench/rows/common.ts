// What every row shares: its shape, and running it once per transport.
import type { Bench } from '../harness/context.js';
import type { Transport } from '../harness/options.js';
import type { WorkerProcess } from '../harness/processes.js';
import { noteLatency, type Latency, type RowResult } from '../harness/results.js';

export interface Row {
  id: string;
  /** Measures the row on every transport selected; one RowResult per transport (and variant). */
  run(bench: Bench): Promise<RowResult[]>;
}

/** Runs `measure` once per selected transport. */
export async function perTransport(bench: Bench, measure: (transport: Transport) => Promise<RowResult | RowResult[]>): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (const transport of bench.options.transports) results.push(...[await measure(transport)].flat());
  return results;
}

/** The `rate` field of a job's answer; its latency percentiles, if any, go to the row (see noteLatency). */
export async function rate(answer: Promise<{ rate: number; latency?: Latency | null }>): Promise<number> {
  const result = await answer;
  noteLatency(result.latency);
  return result.rate;
}

/** The processes a one-client row talks to: the Node and CPython clients, and the three servers. */
export interface OneClientSetup {
  client: WorkerProcess;
  py: WorkerProcess;
  floor: WorkerProcess;
  mp: WorkerProcess;
  pyServer: WorkerProcess;
}

export async function oneClientSetup(bench: Bench, transport: Transport): Promise<OneClientSetup> {
  const [client, py, floor, mp, pyServer] = await Promise.all([
    bench.nodeClient(),
    bench.pyClient(),
    bench.server('floor', transport),
    bench.server('mp', transport),
    bench.server('py', transport),
  ]);
  return { client, py, floor, mp, pyServer };
}
