// New connections: connect + authenticate + one call + close (what CPython's BaseManager.connect()
// does), and a new client that creates a proxy, calls it once and closes.
import { check, row } from '../harness/results.js';
import { perTransport, rate, type Row } from './common.js';

export const connectRow: Row = {
  id: 'connect',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const [client, py, mp, pyServer] = await Promise.all([bench.nodeClient(), bench.pyClient(), bench.server('mp', transport), bench.server('py', transport)]);
      const values = await bench.rounds(bench.options.sizes.reps, {
        mpmanagers: () => rate(client.request('connect', bench.params(mp))),
        cpython: () => rate(py.request('connect', bench.params(pyServer, { minOps: 3 }))),
      });
      return row({ id: 'connect', work: 'connect + auth + 1 call + close', unit: '/s', transport }, values, (m) => {
        const vsPython = m.mpmanagers! / m.cpython!;
        return { ratios: { 'vs CPython': vsPython }, checks: [check('≥ 100× CPython', vsPython, 100)] };
      });
    });
  },
};

export const createProxyRow: Row = {
  id: 'proxy',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const [client, py, mp, pyServer] = await Promise.all([bench.nodeClient(), bench.pyClient(), bench.server('mp', transport), bench.server('py', transport)]);
      const values = await bench.rounds(bench.options.sizes.reps, {
        mpmanagers: () => rate(client.request('create_proxy', bench.params(mp))),
        cpython: () => rate(py.request('create_proxy', bench.params(pyServer, { minOps: 3 }))),
      });
      return row({ id: 'proxy', work: 'new client + create a proxy + 1 call + close', unit: '/s', transport }, values, (m) => {
        const vsPython = m.mpmanagers! / m.cpython!;
        return { ratios: { 'vs CPython': vsPython }, checks: [check('≥ 200× CPython', vsPython, 200)] };
      });
    });
  },
};
