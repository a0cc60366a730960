// Gets of a large binary value (bytes in CPython, a Uint8Array here) stored in a shared dict, in MiB/s.
import { check, row, type RowResult } from '../harness/results.js';
import { perTransport, rate, type Row } from './common.js';

const MiB = 1024 * 1024;

export const binaryRow: Row = {
  id: 'binary',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const [client, py, mp, pyServer] = await Promise.all([bench.nodeClient(), bench.pyClient(), bench.server('mp', transport), bench.server('py', transport)]);
      const results: RowResult[] = [];
      for (const size of bench.options.sizes.binarySizes) {
        const key = `blob-${size}`;
        await client.request('put_blob', bench.params(mp, { key, size }));
        await py.request('put_blob', bench.params(pyServer, { key, size }));
        const mibPerGet = size / MiB;
        const values = await bench.rounds(bench.options.sizes.reps, {
          mpmanagers: async () => (await rate(client.request('binary', bench.params(mp, { key, minOps: 3 })))) * mibPerGet,
          cpython: async () => (await rate(py.request('binary', bench.params(pyServer, { key, minOps: 3 })))) * mibPerGet,
        });
        const label = `${mibPerGet} MiB`;
        results.push(
          row({ id: `binary-${mibPerGet}MiB`, work: `get of a ${label} binary value`, unit: 'MiB/s', transport }, values, (m) => {
            const vsPython = m.mpmanagers! / m.cpython!;
            return { ratios: { 'vs CPython': vsPython }, checks: [check('≥ 4× CPython MiB/s', vsPython, 4)] };
          }),
        );
      }
      return results;
    });
  },
};
