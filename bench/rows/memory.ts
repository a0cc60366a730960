// Server memory: resident set size (VmRSS, after a full collection) of a fresh server process, idle
// and then holding the work, divided by the work. Measured once each, over TCP.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { residentBytes, type WorkerProcess } from '../harness/processes.js';
import { check, row } from '../harness/results.js';
import type { Row } from './common.js';

const BATCH = 10_000;

export const dictMemoryRow: Row = {
  id: 'dictmem',
  async run(bench) {
    const entries = bench.options.sizes.dictEntries;
    const client = await bench.nodeClient();
    const py = await bench.pyClient();
    const perEntry = async (kind: 'mp' | 'py'): Promise<number> => {
      const server = await bench.freshServer(kind, `${kind} server (dict memory)`);
      try {
        const worker = kind === 'mp' ? client : py;
        // A first connection loads everything a connection needs, and creates the empty dict.
        await worker.request('fill_dict', bench.params(server, { entries: 0, batch: BATCH }));
        const idle = await settledResidentBytes(server);
        await worker.request('fill_dict', bench.params(server, { entries, batch: BATCH }));
        return ((await settledResidentBytes(server)) - idle) / entries;
      } finally {
        await server.stop();
      }
    };
    const values = { mpmanagers: [await perEntry('mp')], cpython: [await perEntry('py')] };
    const work = `server memory, dict of ${entries.toLocaleString('en')} int→str entries`;
    return [
      row({ id: 'dictmem', work, unit: 'B/entry', transport: 'tcp' }, values, (m) => ({
        ratios: { 'of CPython': m.mpmanagers! / m.cpython! },
        checks: [check('≤ 100 bytes/entry above idle', m.mpmanagers!, 100, false)],
      })),
    ];
  },
};

export const idleClientsRow: Row = {
  id: 'idlemem',
  async run(bench) {
    const { idleClients: count, idleProcesses: processes } = bench.options.sizes;
    /** Connections the server serves: CPython's accepter can stall on one, and the rest then wait. */
    const open = { mpmanagers: 0, cpython: 0 };
    const perClient = async (kind: 'mp' | 'py'): Promise<number> => {
      const server = await bench.freshServer(kind, `${kind} server (idle clients)`);
      try {
        const idle = await settledResidentBytes(server);
        const idleThreads = await threadCount(server.pid);
        if (kind === 'mp') {
          const clients = await bench.nodeClients(processes);
          try {
            const opened = await Promise.all(
              clients.map((c, i) => c.request<{ open: number }>('idle_open', bench.params(server, { count: split(count, processes, i) }))),
            );
            const bytes = (await settledResidentBytes(server)) - idle;
            open.mpmanagers = await server.request<number>('connections');
            process.stderr.write(`  mpmanagers: ${opened.reduce((sum, o) => sum + o.open, 0)} clients opened, ${open.mpmanagers} served\n`);
            return bytes / open.mpmanagers / 1024;
          } finally {
            await Promise.all(clients.map((c) => c.request('idle_close')));
          }
        }
        const py = await bench.pyClient();
        try {
          const openSeconds = bench.options.sizes.idleOpenSeconds;
          const opened = await py.request<{ open: number }>('idle_open', bench.params(server, { count, processes, openSeconds }));
          const bytes = (await settledResidentBytes(server)) - idle;
          // CPython serves each connection on a thread of its own.
          open.cpython = (await threadCount(server.pid)) - idleThreads;
          process.stderr.write(`  CPython: ${opened.open} clients opened, ${open.cpython} served\n`);
          return bytes / open.cpython / 1024;
        } finally {
          await py.request('idle_close');
        }
      } finally {
        await server.stop();
      }
    };
    const values = { mpmanagers: [await perClient('mp')], cpython: [await perClient('py')] };
    const work = `server memory, ${count.toLocaleString('en')} idle authenticated clients`;
    const note = `clients served: mpmanagers ${open.mpmanagers}, CPython ${open.cpython}`;
    return [
      row({ id: 'idlemem', work, unit: 'KiB/client', transport: 'tcp', note }, values, (m) => ({
        ratios: { 'of CPython': m.mpmanagers! / m.cpython! },
        checks: [check('≤ 5 KiB per client', m.mpmanagers!, 5, false)],
      })),
    ];
  },
};

/** The server's RSS after a full collection (and a moment for freed pages to be returned). */
async function settledResidentBytes(server: WorkerProcess): Promise<number> {
  await server.request('gc');
  await sleep(200);
  await server.request('gc');
  return residentBytes(server.pid);
}

async function threadCount(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
}

function split(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}
