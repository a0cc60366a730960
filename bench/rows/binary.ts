// Gets of a large binary value (bytes in CPython, a Uint8Array here) stored in a shared dict, in MiB/s.
// The floor column: the same gets from a raw-socket Node server that answers with a preallocated
// buffer, received into a fresh buffer (bench/workers/floorBlob.ts): what no Node client can beat.
import { check, row, type RowResult } from '../harness/results.js';
import { oneClientSetup, perTransport, rate, type Row } from './common.js';

const MiB = 1024 * 1024;

export const binaryRow: Row = {
  id: 'binary',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const { client, py, floor, mp, pyServer } = await oneClientSetup(bench, transport);
      const results: RowResult[] = [];
      for (const size of bench.options.sizes.binarySizes) {
        const key = `blob-${size}`;
        await client.request('put_blob', bench.params(mp, { key, size }));
        await py.request('put_blob', bench.params(pyServer, { key, size }));
        const mibPerGet = size / MiB;
        const values = await bench.rounds(bench.options.sizes.reps, {
          floor: async () => (await rate(client.request('floor_blob', bench.params(floor, { size, minOps: 3 })))) * mibPerGet,
          mpmanagers: async () => (await rate(client.request('binary', bench.params(mp, { key, minOps: 3 })))) * mibPerGet,
          cpython: async () => (await rate(py.request('binary', bench.params(pyServer, { key, minOps: 3 })))) * mibPerGet,
        });
        const label = `${mibPerGet} MiB`;
        results.push(
          row({ id: `binary-${mibPerGet}MiB`, work: `get of a ${label} binary value`, unit: 'MiB/s', transport }, values, (m) => {
            const vsPython = m.mpmanagers! / m.cpython!;
            // floor ÷ CPython below 4 in the same run: no Node client could meet the target then.
            const ratios = { 'vs CPython': vsPython, 'vs floor': m.mpmanagers! / m.floor!, 'floor vs CPython': m.floor! / m.cpython! };
            return { ratios, checks: [check('≥ 4× CPython MiB/s', vsPython, 4)] };
          }),
        );
      }
      return results;
    });
  },
};
