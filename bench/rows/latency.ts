// A small call's latency while another proxy moves 32 MiB values in a loop (issue 16 §3): in
// mpmanagers both proxies share their manager's one connection (large messages travel in chunks,
// docs/protocol.md §1.1); CPython gives each thread its own connection. The figure is the small
// get's p99, in microseconds (lower is better).
import { check, row, type Latency } from '../harness/results.js';
import { perTransport, rate, type Row } from './common.js';

const MiB = 1024 * 1024;
const SIZE = 32 * MiB;
/** The target: a small call's p99 while 32 MiB values move on the same connection. */
const P99_TARGET_US = 2000;

export const latencyUnderLoadRow: Row = {
  id: 'loaded',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const [client, py, mp, pyServer] = await Promise.all([bench.nodeClient(), bench.pyClient(), bench.server('mp', transport), bench.server('py', transport)]);
      const key = `blob-${SIZE}`;
      await client.request('put_blob', bench.params(mp, { key, size: SIZE }));
      await py.request('put_blob', bench.params(pyServer, { key, size: SIZE }));
      const p99 = async (answer: Promise<unknown>): Promise<number> => {
        const result = answer as Promise<{ rate: number; latency?: Latency | null }>;
        await rate(result); // files the percentiles with the row
        return (await result).latency?.p99 ?? Number.NaN;
      };
      const values = await bench.rounds(bench.options.sizes.reps, {
        mpmanagers: () => p99(client.request('latency_under_load', bench.params(mp, { key }))),
        cpython: () => p99(py.request('latency_under_load', bench.params(pyServer, { key }))),
      });
      return row(
        { id: 'loaded-32MiB', work: 'small get while another proxy gets 32 MiB values (p99)', unit: 'µs', transport },
        values,
        (m) => ({
          ratios: { 'of CPython p99': m.mpmanagers! / m.cpython! },
          checks: [check(`p99 ≤ ${P99_TARGET_US} µs`, m.mpmanagers!, P99_TARGET_US, false)],
        }),
      );
    });
  },
};
