// A Queue between 4 producer and 4 consumer processes: items/s from the moment they all start to
// the last item taken. mpmanagers' clients keep 64 calls in flight each (one connection can);
// CPython's make one call at a time (one connection cannot do more).
import { epochMs } from '../workers/timing.js';
import { check, row } from '../harness/results.js';
import { perTransport, type Row } from './common.js';

const PRODUCERS = 4;
const CONSUMERS = 4;
const DEPTH = 64;

export const queueRow: Row = {
  id: 'queue',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const items = bench.options.sizes.queueItems;
      const [nodeClients, py, mp, pyServer] = await Promise.all([
        bench.nodeClients(PRODUCERS + CONSUMERS),
        bench.pyClient(),
        bench.server('mp', transport),
        bench.server('py', transport),
      ]);
      const startDelay = 0.5;
      const mpmanagers = async (count: number): Promise<number> => {
        const startAt = epochMs() + startDelay * 1000;
        const finished = await Promise.all(
          nodeClients.map((client, index) => {
            const producer = index < PRODUCERS;
            const [share, of] = producer ? [index, PRODUCERS] : [index - PRODUCERS, CONSUMERS];
            const params = bench.params(mp, { role: producer ? 'producer' : 'consumer', count: split(count, of, share), depth: DEPTH, startAt });
            return client.request<{ finishedAt: number }>('queue_role', params);
          }),
        );
        return count / ((Math.max(...finished.map((f) => f.finishedAt)) - startAt) / 1000);
      };
      const cpython = async (count: number): Promise<number> => {
        const params = bench.params(pyServer, { producers: PRODUCERS, consumers: CONSUMERS, items: count, startDelay });
        return (await py.request<{ rate: number }>('queue', params)).rate;
      };
      // Warm-up rounds, unmeasured: a Node process reaches its steady rate only after a few hundred
      // thousand calls (V8 optimises the code and grows its young generation); the first round of
      // 100,000 items runs at a third of it. CPython has nothing to warm up but its connections.
      for (let round = 0; round < bench.options.sizes.warmupRounds; round++) await mpmanagers(items);
      await cpython(Math.min(items, 2_000));
      const values = await bench.rounds(bench.options.sizes.heavyReps, {
        mpmanagers: () => mpmanagers(items),
        cpython: () => cpython(items),
      });
      const work = `Queue, ${PRODUCERS} producer + ${CONSUMERS} consumer processes, ${items.toLocaleString('en')} items`;
      return row({ id: 'queue', work, unit: 'items/s', transport }, values, (m) => {
        const vsPython = m.mpmanagers! / m.cpython!;
        return { ratios: { 'vs CPython': vsPython }, checks: [check('≥ 15× CPython', vsPython, 15)] };
      });
    });
  },
};

function split(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}
