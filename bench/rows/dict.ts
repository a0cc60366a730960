// Calls on a shared dict from one client: sequential, and 64 in flight on one connection; and a
// Lock's acquire + release pairs, which cost two sequential round trips each.
import { check, row } from '../harness/results.js';
import { oneClientSetup, perTransport, rate, type Row } from './common.js';

/** Calls in flight on one connection (mpmanagers and the floor). */
const DEPTH = 64;
/** CPython cannot pipeline on a connection: its best aggregate is with threads, one connection each. */
const PYTHON_THREADS = 16;

export const sequentialRow: Row = {
  id: 'seq',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const { client, py, floor, mp, pyServer } = await oneClientSetup(bench, transport);
      const values = await bench.rounds(bench.options.sizes.reps, {
        floor: () => rate(client.request('floor_seq', bench.params(floor))),
        mpmanagers: () => rate(client.request('dict_seq', bench.params(mp))),
        cpython: () => rate(py.request('dict_seq', bench.params(pyServer))),
      });
      return row({ id: 'seq', work: 'sequential dict set/get, 1 client', unit: 'calls/s', transport }, values, (m) => {
        const vsFloor = m.mpmanagers! / m.floor!;
        return {
          ratios: { 'vs floor': vsFloor, 'vs CPython': m.mpmanagers! / m.cpython! },
          checks: [check('≥ 0.9× sequential floor', vsFloor, 0.9)],
        };
      });
    });
  },
};

export const inflightRow: Row = {
  id: 'inflight',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const { client, py, floor, mp, pyServer } = await oneClientSetup(bench, transport);
      const values = await bench.rounds(bench.options.sizes.reps, {
        floor: () => rate(client.request('floor_inflight', bench.params(floor, { depth: DEPTH }))),
        mpmanagers: () => rate(client.request('dict_inflight', bench.params(mp, { depth: DEPTH }))),
        cpython: () => rate(py.request('dict_threads', bench.params(pyServer, { threads: PYTHON_THREADS }))),
      });
      const work = `dict set/get, ${DEPTH} in flight on 1 connection (CPython: ${PYTHON_THREADS} threads)`;
      return row({ id: 'inflight', work, unit: 'calls/s', transport }, values, (m) => {
        const vsPython = m.mpmanagers! / m.cpython!;
        const vsFloor = m.mpmanagers! / m.floor!;
        return {
          ratios: { 'vs CPython': vsPython, 'vs floor': vsFloor },
          checks: [check(`≥ 10× CPython ${PYTHON_THREADS} threads`, vsPython, 10), check(`≥ 0.85× ${DEPTH}-in-flight floor (issue 16)`, vsFloor, 0.85)],
        };
      });
    });
  },
};

export const lockRow: Row = {
  id: 'lock',
  async run(bench) {
    return perTransport(bench, async (transport) => {
      const { client, py, floor, mp, pyServer } = await oneClientSetup(bench, transport);
      const values = await bench.rounds(bench.options.sizes.reps, {
        // Two round trips per pair: the floor column shows half the sequential floor, in pairs/s.
        floor: async () => (await rate(client.request('floor_seq', bench.params(floor)))) / 2,
        mpmanagers: () => rate(client.request('lock_seq', bench.params(mp))),
        cpython: () => rate(py.request('lock_seq', bench.params(pyServer))),
      });
      return row({ id: 'lock', work: 'Lock acquire+release pairs, 1 client', unit: 'pairs/s', transport }, values, (m) => {
        const vsFloor = m.mpmanagers! / m.floor!;
        return {
          ratios: { 'vs half floor': vsFloor, 'vs CPython': m.mpmanagers! / m.cpython! },
          checks: [check('≥ 0.9× half the sequential floor', vsFloor, 0.9)],
        };
      });
    });
  },
};
