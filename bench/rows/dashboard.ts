// The cost of watching: the 64-in-flight dict calls of the inflight row, on a server holding 10,000
// shared objects, with and without a dashboard describing it once a second (every object, one page
// open on its event stream), in interleaved windows. Target: the dashboard slows the calls by < 5 %.
import { check, row } from '../harness/results.js';
import { rate, type Row } from './common.js';

const DEPTH = 64;
const OBJECTS = 10_000;

export const dashboardRow: Row = {
  id: 'dashboard',
  async run(bench) {
    const server = await bench.freshServer('mp', 'mp server (dashboard)');
    const [client, side] = await bench.nodeClients(2);
    let updates = 0;
    try {
      await side.request('hold_objects', bench.params(server, { count: OBJECTS }));
      // Windows of at least 3 s: each one sees several updates (quick runs' 0.2 s windows might see none).
      const duration = Math.max(3, bench.options.sizes.duration);
      const measure = (): Promise<number> => rate(client.request('dict_inflight', bench.params(server, { depth: DEPTH, duration })));
      const values = await bench.rounds(bench.options.sizes.reps, {
        without: measure,
        with: async () => {
          await side.request('dashboard_start', bench.params(server, { interval: 1, maxObjects: OBJECTS }));
          try {
            return await measure();
          } finally {
            updates += (await side.request<{ events: number }>('dashboard_stop')).events;
          }
        },
      });
      const work = `dict set/get, ${DEPTH} in flight, ${OBJECTS.toLocaleString('en')} objects, dashboard polling 1/s`;
      const result = row({ id: 'dashboard', work, unit: 'calls/s', transport: 'tcp' }, { mpmanagers: values.with }, () => ({}));
      const without = row({ id: 'dashboard', work, unit: 'calls/s', transport: 'tcp' }, { mpmanagers: values.without }).series.mpmanagers!;
      const ratio = result.series.mpmanagers!.median / without.median;
      result.ratios = { 'of without dashboard': ratio };
      result.checks = [check('dashboard slows it < 5 %', ratio, 0.95)];
      result.note = `without the dashboard: median ${Math.round(without.median)} calls/s (${without.values.map(Math.round).join(', ')}); the page received ${updates} updates`;
      if (updates === 0) throw new Error('the dashboard sent no update: nothing was measured');
      return [result];
    } finally {
      await side.request('release_objects');
      await server.stop();
    }
  },
};
