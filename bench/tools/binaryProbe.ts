// Where the time of one binary get goes: starts a bench server (a child process, its own flags),
// stores a value of --size bytes, does --gets sequential gets and prints, per get, the phases
// (request written → first chunk frame in → last chunk in → the get resolved) and the client's GC
// pauses, then percentiles of each.
//   node --import tsx bench/tools/binaryProbe.ts [--size=1048576] [--gets=3000] [--unix]
//        [--server-flags="--trace-gc"] [--slowest=10]
// Client-side flags go before the script (node --trace-gc --import tsx bench/tools/binaryProbe.ts).
// As the bench runs it (transpiled, no tsx): node --import tsx bench/tools/probeBuilt.ts [flags] -- [args].
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Address } from '../../lib/index.js';
import { ChunkAssembler } from '../../lib/connection/chunks.js';
import { FrameWriter } from '../../lib/connection/frameWriter.js';
import { BenchManager } from '../workers/benchManager.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: String(1024 * 1024) },
    gets: { type: 'string', default: '3000' },
    unix: { type: 'boolean', default: false },
    'server-flags': { type: 'string', default: '' },
    slowest: { type: 'string', default: '10' },
  },
});
const size = Number(values.size);
const gets = Number(values.gets);

// The server: bench/workers/mpServer.ts, which prints {ready, address} on its first line.
const unixPath = path.join(os.tmpdir(), `binaryProbe-${process.pid}.sock`);
const serverFlags = values['server-flags'].split(' ').filter((flag) => flag !== '');
// Run as TypeScript (through tsx) or as the bench's transpiled build (bench/tools/probeBuilt.ts).
const built = import.meta.url.endsWith('.js');
const server = spawn(
  process.execPath,
  [...serverFlags, ...(built ? [] : ['--import', 'tsx']), path.join(root, `bench/workers/mpServer.${built ? 'js' : 'ts'}`), '--authkey', 'probe', ...(values.unix ? ['--unix', unixPath] : ['--tcp'])],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const serverLines = readline.createInterface({ input: server.stdout });
// Its other lines (--trace-gc writes to stdout) are printed with a prefix.
const address = await new Promise<Address>((resolve) => {
  serverLines.on('line', (line) => {
    if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { address: Address }).address);
    else console.log(`[server] ${line}`);
  });
});

// Phase marks, by patching the client's writer and chunk assembler (this process only).
const mark = { sentAt: 0, firstChunkAt: 0, lastChunkAt: 0, chunkParts: 0 };
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the writer as `this`
const write = FrameWriter.prototype.write;
FrameWriter.prototype.write = function (this: FrameWriter, message, transient) {
  if (mark.sentAt === 0 && message.length > 6) mark.sentAt = performance.now();
  return write.call(this, message, transient);
};
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the assembler as `this`
const part = ChunkAssembler.prototype.part;
ChunkAssembler.prototype.part = function (this: ChunkAssembler, piece, offset, length) {
  mark.chunkParts++;
  if (mark.firstChunkAt === 0) mark.firstChunkAt = performance.now();
  const message = part.call(this, piece, offset, length);
  if (message !== undefined) mark.lastChunkAt = performance.now();
  return message;
};
let gcMs = 0;
let gcKinds = '';
const kinds: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcKinds += `${kinds[((entry as unknown as { detail: { kind: number } }).detail.kind)] ?? '?'}:${entry.duration.toFixed(2)} `;
  }
}).observe({ entryTypes: ['gc'] });

interface Get {
  i: number;
  total: number;
  toFirst: number;
  firstToLast: number;
  lastToDone: number;
  parts: number;
  gc: string;
}
const rows: Get[] = [];

const m = new BenchManager({ address, authkey: 'probe' });
await m.connect();
try {
  const blobs = await m.get_blobs();
  await blobs.set('b', new Uint8Array(size));
  const usageStart = process.resourceUsage();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < gets; i++) {
    mark.sentAt = mark.firstChunkAt = mark.lastChunkAt = mark.chunkParts = 0;
    gcKinds = '';
    const start = performance.now();
    const value = await blobs.get('b');
    const done = performance.now();
    if (value?.length !== size) throw new Error('wrong value');
    rows.push({
      i,
      total: done - start,
      toFirst: mark.firstChunkAt - (mark.sentAt || start),
      firstToLast: mark.lastChunkAt - mark.firstChunkAt,
      lastToDone: done - mark.lastChunkAt,
      parts: mark.chunkParts,
      gc: gcKinds,
    });
  }
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const usage = process.resourceUsage();
  const faults = (usage.minorPageFault - usageStart.minorPageFault) / gets;
  const switches = (usage.voluntaryContextSwitches - usageStart.voluntaryContextSwitches) / gets;
  const measured = rows.slice(Math.floor(gets / 10)); // the first tenth is warm-up
  const pct = (key: keyof Get, q: number): string => {
    const sorted = measured.map((row) => row[key] as number).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3);
  };
  console.log(
    `${gets} gets of ${size} B over ${values.unix ? 'unix' : 'tcp'}: ${((gets * size) / 2 ** 20 / (wall / 1000)).toFixed(0)} MiB/s; ` +
      `client CPU per get user ${(cpu.user / 1000 / gets).toFixed(3)} ms, system ${(cpu.system / 1000 / gets).toFixed(3)} ms; GC ${gcMs.toFixed(1)} ms in all; ${faults.toFixed(1)} page faults and ${switches.toFixed(1)} voluntary context switches per get; load ${os.loadavg()[0].toFixed(2)}`,
  );
  for (const key of ['total', 'toFirst', 'firstToLast', 'lastToDone', 'parts'] as const) {
    console.log(`  ${key.padEnd(12)} p50 ${pct(key, 0.5)}  p90 ${pct(key, 0.9)}  p99 ${pct(key, 0.99)}  p99.9 ${pct(key, 0.999)}  ms`);
  }
  console.log(`slowest ${values.slowest} (ms):`);
  for (const row of [...measured].sort((a, b) => b.total - a.total).slice(0, Number(values.slowest))) {
    console.log(
      `  #${row.i} total ${row.total.toFixed(2)} toFirst ${row.toFirst.toFixed(2)} firstToLast ${row.firstToLast.toFixed(2)} lastToDone ${row.lastToDone.toFixed(2)} parts ${row.parts} gc ${row.gc}`,
    );
  }
} finally {
  await m.close();
  server.stdin.end();
}
