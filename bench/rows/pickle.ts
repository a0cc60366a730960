// Pickle mode (issue 14 §5): one stock CPython client program (bench/python/pickle_clients.py)
// against our server in pickle mode and against a CPython manager server, in the same run:
// sequential calls, 16 client threads, a Queue producer/consumer. Targets: at least as fast as
// CPython for one client, faster for 16 threads (CPython's server serialises on the GIL).
import path from 'node:path';
import { PYTHON } from '../harness/context.js';
import { runForJson, type WorkerProcess } from '../harness/processes.js';
import { check, row, type RowResult } from '../harness/results.js';
import type { Row } from './common.js';

const JOBS = [
  { job: 'seq', work: 'CPython client, pickle: sequential dict set+get', target: 'at least as fast as a CPython server', required: 1 },
  { job: 'threads16', work: 'CPython client, pickle: 16 threads of dict set+get', target: 'faster than a CPython server', required: 1.05 },
  { job: 'queue', work: 'CPython client, pickle: Queue producer/consumer threads', target: 'at least as fast as a CPython server', required: 1 },
] as const;

export const pickleRow: Row = {
  id: 'pickle',
  async run(bench) {
    const [mp, py] = await Promise.all([bench.server('mpPickle', 'tcp'), bench.server('py', 'tcp')]);
    const script = path.join(bench.root, 'bench/python/pickle_clients.py');
    const client = async (server: WorkerProcess, job: string): Promise<number> => {
      const [host, port] = server.info.address as [string, number];
      const args = [script, job, host, String(port), bench.authkey, String(bench.options.sizes.duration)];
      return (await runForJson<{ rate: number }>(PYTHON, args)).rate;
    };
    const results: RowResult[] = [];
    for (const { job, work, target, required } of JOBS) {
      const values = await bench.rounds(bench.options.sizes.heavyReps, {
        mpmanagers: () => client(mp, job),
        cpython: () => client(py, job),
      });
      results.push(
        row({ id: `pickle-${job}`, work, unit: job === 'queue' ? 'items/s' : 'calls/s', transport: 'tcp' }, values, (m) => {
          const ratio = m.mpmanagers! / m.cpython!;
          return { ratios: { 'vs CPython': ratio }, checks: [check(target, ratio, required)] };
        }),
      );
    }
    return results;
  },
};
