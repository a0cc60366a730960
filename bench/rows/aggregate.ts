// Aggregate throughput as client processes are added: each client runs the sequential dict
// set/get loop on its own connection, and all measured windows open at the same moment.
import type { Bench } from '../harness/context.js';
import { epochMs } from '../workers/timing.js';
import { check, row, type RowResult } from '../harness/results.js';
import type { Transport } from '../harness/options.js';
import type { WorkerProcess } from '../harness/processes.js';
import { perTransport, rate, type Row } from './common.js';

/** "Never falls", allowing for noise: each count must reach this share of the best before it. */
const NOISE_ALLOWANCE = 0.9;

export const aggregateRow: Row = {
  id: 'aggregate',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const results: RowResult[] = [];
      for (const clients of bench.options.sizes.clientCounts) results.push(await measure(bench, transport, clients));
      addNeverFallsChecks(results);
      return results;
    });
  },
};

async function measure(bench: Bench, transport: Transport, clients: number): Promise<RowResult> {
  const [nodeClients, py, floor, mp, pyServer] = await Promise.all([
    bench.nodeClients(clients),
    bench.pyClient(),
    bench.server('floor', transport),
    bench.server('mp', transport),
    bench.server('py', transport),
  ]);
  const { warmup } = bench.options.sizes;
  // Time for every client to connect and warm up before the windows open together.
  const startDelay = warmup + 0.5 + 0.02 * clients;
  /** Every Node client runs `job` against `server`, the windows opening together; the rates summed. */
  const together = async (job: string, server: WorkerProcess): Promise<number> => {
    const startAt = epochMs() + startDelay * 1000;
    const rates = await Promise.all(nodeClients.map((client) => rate(client.request(job, bench.params(server, { startAt })))));
    return rates.reduce((sum, r) => sum + r, 0);
  };
  const values = await bench.rounds(bench.options.sizes.heavyReps, {
    floor: () => together('floor_seq', floor),
    mpmanagers: () => together('dict_seq', mp),
    cpython: () => rate(py.request('aggregate', bench.params(pyServer, { processes: clients, startDelay }))),
  });
  const work = `aggregate, ${clients} client process${clients === 1 ? '' : 'es'}`;
  return row({ id: `aggregate-${clients}`, work, unit: 'calls/s', transport }, values, (m) => ({
    ratios: { 'vs CPython': m.mpmanagers! / m.cpython!, 'vs floor': m.mpmanagers! / m.floor! },
  }));
}

/** From the second count on: the median must not fall below the best median at fewer clients. */
function addNeverFallsChecks(results: RowResult[]): void {
  if (results[0]?.transport !== 'tcp') return;
  let best = results[0]?.series.mpmanagers?.median ?? NaN;
  for (const result of results.slice(1)) {
    const median = result.series.mpmanagers!.median;
    const share = median / best;
    result.ratios['vs best before'] = share;
    result.checks.push(check(`never falls as clients are added (≥ ${NOISE_ALLOWANCE}× the best before)`, share, NOISE_ALLOWANCE));
    best = Math.max(best, median);
  }
}
