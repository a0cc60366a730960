// Counts what one client job costs per operation on each side, from the kernel's counters (no
// profiler, no ptrace: the job runs at full speed): CPU time (user, system), read and write system
// calls, and voluntary context switches (how often the process waited for the other), of the
// server and of the client, over the job's whole run (warm-up included), divided by its operations.
//   node --import tsx bench/tools/countJob.ts --job=dict_inflight --param depth=64 [--seconds=5] [--unix]
//   node --import tsx bench/tools/countJob.ts --server=floor --job=floor_inflight --param depth=64
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { transpileForChildren } from '../harness/build.js';
import { Bench } from '../harness/context.js';
import { parseOptions } from '../harness/options.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    job: { type: 'string', default: 'dict_inflight' },
    seconds: { type: 'string', default: '5' },
    unix: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true, default: [] },
    server: { type: 'string', default: 'mp' },
  },
});

interface Counters {
  userMs: number;
  systemMs: number;
  reads: number;
  writes: number;
  waits: number;
}

/** The process's counters so far (/proc/<pid>/{stat,io,status}). */
async function countersOf(pid: number): Promise<Counters> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (text: string, name: string): number => Number(new RegExp(`${name}:\\s*(\\d+)`).exec(text)![1]);
  const tick = 10; // ms per clock tick (USER_HZ 100)
  return {
    userMs: Number(stat[11]) * tick,
    systemMs: Number(stat[12]) * tick,
    reads: field(io, 'syscr'),
    writes: field(io, 'syscw'),
    waits: field(status, 'voluntary_ctxt_switches'),
  };
}

function perOp(before: Counters, after: Counters, ops: number): string {
  const d = (key: keyof Counters): number => after[key] - before[key];
  return (
    `user ${((d('userMs') * 1000) / ops).toFixed(2)} µs, system ${((d('systemMs') * 1000) / ops).toFixed(2)} µs, ` +
    `${(ops / d('reads')).toFixed(1)} ops per read syscall, ${(ops / d('writes')).toFixed(1)} ops per write syscall, ` +
    `${(ops / d('waits')).toFixed(1)} ops per wait (voluntary switch)`
  );
}

const build = await transpileForChildren(root);
const bench = new Bench(root, parseOptions([]), build);
try {
  const server = await bench.server(values.server === 'floor' ? 'floor' : 'mp', values.unix ? 'unix' : 'tcp');
  const client = await bench.nodeClient();
  const extra = Object.fromEntries(values.param.map((p) => p.split('=')).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]));
  // A first run warms both processes up (V8 optimises the hot path); the second is counted.
  await client.request(values.job, bench.params(server, { ...extra, warmup: 0, duration: 2 }));
  const [serverBefore, clientBefore] = await Promise.all([countersOf(server.pid), countersOf(client.pid)]);
  const result = await client.request<{ ops: number; rate: number }>(values.job, bench.params(server, { ...extra, warmup: 0, duration: Number(values.seconds) }));
  const [serverAfter, clientAfter] = await Promise.all([countersOf(server.pid), countersOf(client.pid)]);
  console.log(`${values.job} against ${values.server}: ${Math.round(result.rate)} ops/s (${result.ops} ops)`);
  console.log(`  server: ${perOp(serverBefore, serverAfter, result.ops)}`);
  console.log(`  client: ${perOp(clientBefore, clientAfter, result.ops)}`);
} finally {
  await bench.stop();
  await build.remove();
}
