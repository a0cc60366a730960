// A small call's latency while another proxy moves 32 MiB values in a loop (issue 16 §3): in
// mpmanagers both proxies share their manager's one connection (large messages travel in chunks,
// docs/protocol.md §1.1); CPython gives each thread its own connection. The figure is the small
// get's p99, in microseconds (lower is better).
import { check, row, type Latency } from '../harness/results.js';
import { perTransport, rate, type Row } from './common.js';
import type { ClientGc } from '../workers/mpJobs.js';

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
      const loopDelays: { p99: number; max: number }[] = [];
      const serverDelays: { p99: number; max: number }[] = [];
      const gcs: ClientGc[] = [];
      const p99 = async (answer: Promise<unknown>): Promise<number> => {
        const result = answer as Promise<{ rate: number; latency?: Latency | null; clientLoopDelayMs?: { p99: number; max: number }; clientGc?: ClientGc }>;
        await rate(result); // files the percentiles with the row
        const { latency, clientLoopDelayMs, clientGc } = await result;
        if (clientLoopDelayMs !== undefined) loopDelays.push(clientLoopDelayMs);
        if (clientGc !== undefined) gcs.push(clientGc);
        return latency?.p99 ?? Number.NaN;
      };
      const values = await bench.rounds(bench.options.sizes.reps, {
        mpmanagers: async () => {
          await mp.request('loop_delay_start');
          const value = await p99(client.request('latency_under_load', bench.params(mp, { key })));
          serverDelays.push(await mp.request<{ p99: number; max: number }>('loop_delay'));
          return value;
        },
        cpython: () => p99(py.request('latency_under_load', bench.params(pyServer, { key }))),
      });
      return row(
        {
          id: 'loaded-32MiB',
          work: 'small get while another proxy gets 32 MiB values (p99)',
          unit: 'µs',
          transport,
          // Whether the mpmanagers client's own loop was held up: the first suspect for the tail.
          note:
            `mpmanagers event-loop delay, worst round: client p99 ${worst(loopDelays, 'p99')} / max ${worst(loopDelays, 'max')} ms, server p99 ${worst(serverDelays, 'p99')} / max ${worst(serverDelays, 'max')} ms; ` +
            gcNote(gcs),
        },
        values,
        (m) => ({
          ratios: { 'of CPython p99': m.mpmanagers! / m.cpython! },
          checks: [check(`p99 ≤ ${P99_TARGET_US} µs`, m.mpmanagers!, P99_TARGET_US, false)],
        }),
      );
    });
  },
};

function worst(delays: { p99: number; max: number }[], field: 'p99' | 'max'): string {
  return delays.length === 0 ? '?' : Math.max(...delays.map((d) => d[field])).toFixed(1);
}

/** The client's full collections per value moved, over all rounds (what holds the tail: docs/performance.md, "Session 7"). */
function gcNote(gcs: ClientGc[]): string {
  const values = gcs.reduce((total, gc) => total + gc.values, 0);
  if (values === 0) return 'client GC ?';
  const majors = gcs.reduce((total, gc) => total + gc.majorPerValue * gc.values, 0);
  const minors = gcs.reduce((total, gc) => total + gc.minorPerValue * gc.values, 0);
  const longest = Math.max(...gcs.map((gc) => gc.majorMaxMs));
  return `client GC per 32 MiB value moved (${values} values): ${(majors / values).toFixed(2)} full (longest ${longest.toFixed(1)} ms), ${(minors / values).toFixed(2)} young`;
}
