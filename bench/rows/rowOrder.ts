// Diagnostic (issue 16 §5): do the connect and 1 MiB rows run slower after the heavy rows because our
// long-lived processes have degraded, or because of the machine? Each round measures the same job
// on the long-lived server and client every row before used, and on a server and client started
// just now, one right after the other. If only the long-lived pair is slower, our processes
// degrade; if both are, it is the machine (or the kernel: sockets, TIME_WAIT, page cache...).
import { row, type RowResult } from '../harness/results.js';
import { rate, type Row } from './common.js';

const MiB = 1024 * 1024;

export const rowOrderRow: Row = {
  id: 'roworder',
  async run(bench) {
    const [client, mp] = await Promise.all([bench.nodeClient(), bench.server('mp', 'tcp')]);
    const [freshClient, freshMp] = await Promise.all([bench.freshNodeClient('fresh node client'), bench.freshServer('mp', 'fresh mp server')]);
    const results: RowResult[] = [];
    const key = `blob-${MiB}`;
    await client.request('put_blob', bench.params(mp, { key, size: MiB }));
    await freshClient.request('put_blob', bench.params(freshMp, { key, size: MiB }));
    const jobs: [string, string, string, number, Record<string, unknown>][] = [
      ['connect', 'connect + auth + 1 call + close', '/s', 1, {}],
      ['binary', 'get of a 1 MiB binary value', 'MiB/s', 1, { key, minOps: 3 }],
    ];
    for (const [job, work, unit, scale, extra] of jobs) {
      // The names map onto the table's columns: 'mpmanagers' = long-lived, 'floor' = fresh processes,
      // 'cpython' = the long-lived pair again, right after a full collection in its server.
      const values = await bench.rounds(bench.options.sizes.reps, {
        mpmanagers: async () => (await rate(client.request(job, bench.params(mp, extra)))) * scale,
        cpython: async () => {
          await mp.request('gc');
          return (await rate(client.request(job, bench.params(mp, extra)))) * scale;
        },
        floor: async () => (await rate(freshClient.request(job, bench.params(freshMp, extra)))) * scale,
      });
      results.push(
        row(
          {
            id: `roworder-${job}`,
            work: `${work}: long-lived processes (mpmanagers), the same after a GC in the server (CPython column), fresh ones (floor)`,
            unit,
            transport: 'tcp',
          },
          values,
          (m) => ({ ratios: { 'long-lived / fresh': m.mpmanagers! / m.floor!, 'after GC / fresh': m.cpython! / m.floor! } }),
        ),
      );
    }
    return results;
  },
};
