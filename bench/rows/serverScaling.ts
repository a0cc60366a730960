// Diagnostic, no target: the aggregate row again, with the Node client processes replaced by
// CPython ones that speak the wire protocol by hand (bench/python/raw_clients.py) and make the
// cheapest call there is ('dummy'). It tells the server's own scaling apart from the cost of many
// Node client processes on the machine (see docs/performance.md, "aggregate").
import path from 'node:path';
import { PYTHON } from '../harness/context.js';
import { runForJson, type WorkerProcess } from '../harness/processes.js';
import { row, type RowResult } from '../harness/results.js';
import { epochMs } from '../workers/timing.js';
import type { Row } from './common.js';

export const serverScalingRow: Row = {
  id: 'serverscale',
  async run(bench) {
    const [floor, mp] = await Promise.all([bench.server('floor', 'tcp'), bench.server('mp', 'tcp')]);
    const script = path.join(bench.root, 'bench/python/raw_clients.py');
    const { duration } = bench.options.sizes;
    const rawClients = async (server: WorkerProcess, clients: number, floorServer: boolean): Promise<number> => {
      const [host, port] = server.info.address as [string, number];
      const startAt = (epochMs() + 500 + 20 * clients) / 1000;
      const args = [script, host, String(port), bench.authkey, String(clients), String(duration), String(startAt)];
      return (await runForJson<{ rate: number }>(PYTHON, floorServer ? [...args, '--floor'] : args)).rate;
    };
    const results: RowResult[] = [];
    let best = 0;
    for (const clients of bench.options.sizes.clientCounts) {
      const values = await bench.rounds(bench.options.sizes.heavyReps, {
        floor: () => rawClients(floor, clients, true),
        mpmanagers: () => rawClients(mp, clients, false),
      });
      const work = `server alone: ${clients} raw CPython client process${clients === 1 ? '' : 'es'}, 'dummy' calls`;
      const result = row({ id: `serverscale-${clients}`, work, unit: 'calls/s', transport: 'tcp' }, values, (m) => ({
        ratios: { 'vs floor': m.mpmanagers! / m.floor!, ...(best > 0 ? { 'vs best before': m.mpmanagers! / best } : {}) },
      }));
      best = Math.max(best, result.series.mpmanagers!.median);
      results.push(result);
    }
    return results;
  },
};
