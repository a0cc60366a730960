// Where the tail of the `loaded` row goes: the row's own workload (small `d.get('small')` calls in a
// sequential loop while another proxy of the same manager gets a 32 MiB value in a loop) against a
// bench server child, with both processes' connection events marked (loadedProbeHook.ts). Each small
// get is cut into: request out → server read it → server wrote the reply → client parsed it →
// resolved, with the chunk data the client received meanwhile, the server's window state when it
// wrote the reply, and the GC pauses of either side that overlap it. Prints percentiles of each
// phase, puts every get over 2 ms down to a cause, and lists the slowest. `--bare` marks nothing
// (the marks' own arrays change the client's heap) and prints only the gets' percentiles, GC
// pauses, page faults and context switches. Run it built, as the bench runs its workers:
//   node --import tsx bench/tools/probeBuilt.ts --probe=loadedProbe [client node flags] --
//        [--seconds=8] [--size=33554432] [--slowest=25] [--bare] [--server-flags="--trace-gc"]
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import type { Address } from '../../lib/index.js';
import { BenchManager } from '../workers/benchManager.js';
import type { Timeline } from './loadedProbeHook.js';

// --bare: GC pauses observed here (the hook's observer is not loaded then).
const bareGc: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) bareGc.push(entry.startTime, entry.duration, (entry as unknown as { detail: { kind: number } }).detail.kind);
}).observe({ entryTypes: ['gc'] });
function emptyTimeline(): Timeline {
  return { frameIn: [], frameOut: [], chunkOut: [], chunkIn: [], reads: [], gc: [], acksIn: [] };
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    size: { type: 'string', default: String(32 * 1024 * 1024) },
    slowest: { type: 'string', default: '25' },
    'server-flags': { type: 'string', default: '' },
    json: { type: 'string' },
    // Only the gets' times and GC pauses, no marks in either process (what the marks cost the heap).
    bare: { type: 'boolean', default: false },
  },
});
const now = (): number => performance.timeOrigin + performance.now();
const hooks = values.bare ? undefined : await import('./loadedProbeHook.js');
const size = Number(values.size);
const built = import.meta.url.endsWith('.js');
const timelineFile = path.join(os.tmpdir(), `loadedProbe-${process.pid}.json`);
const serverFlags = values['server-flags'].split(' ').filter((flag) => flag !== '');
const hook = path.join(root, `bench/tools/loadedProbeHook.${built ? 'js' : 'ts'}`);
const server = spawn(
  process.execPath,
  [...serverFlags, ...(built ? [] : ['--import', 'tsx']), ...(values.bare ? [] : ['--import', hook]), path.join(root, `bench/workers/mpServer.${built ? 'js' : 'ts'}`), '--authkey', 'probe', '--tcp'],
  { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PROBE_TIMELINE: timelineFile } },
);
const serverLines = readline.createInterface({ input: server.stdout });
const address = await new Promise<Address>((resolve) => {
  serverLines.on('line', (line) => {
    if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { address: Address }).address);
    else if (!line.startsWith('{"id"')) console.log(`[server] ${line}`);
  });
});

// The gets' start and end times, preallocated for the same reason as the hook's marks.
const getTimes = new Float64Array(1 << 20);
let getCount = 0;
let moved = 0;
let usageStart: NodeJS.ResourceUsage | undefined; // when the measured window starts
const m = new BenchManager({ address, authkey: 'probe' });
await m.connect();
let client: Timeline;
const load = os.loadavg()[0];
try {
  const [d, blobs] = await Promise.all([m.get_dict(), m.get_blobs()]);
  await d.set('small', 1);
  await blobs.set('b', new Uint8Array(size));
  let stop = false;
  const mover = (async () => {
    while (!stop) {
      await blobs.get('b');
      moved++;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up
  if (!values.bare) server.kill('SIGUSR2');
  hooks?.resetTimeline();
  bareGc.length = 0;
  const cpuStart = process.cpuUsage();
  usageStart = process.resourceUsage();
  moved = 0;
  const end = now() + Number(values.seconds) * 1000;
  while (now() < end) {
    const s = now();
    await d.get('small');
    if (getCount + 2 <= getTimes.length) {
      getTimes[getCount++] = s;
      getTimes[getCount++] = now();
    }
  }
  client = hooks?.takeTimeline() ?? { ...emptyTimeline(), gc: bareGc, cpu: process.cpuUsage(cpuStart), faults: 0 };
  stop = true;
  await mover;
} finally {
  await m.close();
  server.stdin.end();
}
await new Promise((resolve) => server.once('exit', resolve));
if (values.bare) {
  const totals: number[] = [];
  for (let i = 0; i < getCount; i += 2) totals.push(getTimes[i + 1] - getTimes[i]);
  totals.sort((a, b) => a - b);
  const q = (x: number): string => totals[Math.min(totals.length - 1, Math.floor(x * totals.length))].toFixed(2);
  const spaces = v8.getHeapSpaceStatistics().map((space) => `${space.space_name} ${(space.space_size / 2 ** 20).toFixed(1)}/${(space.space_used_size / 2 ** 20).toFixed(1)}`);
  const majors = [];
  for (let i = 0; i < bareGc.length; i += 3) if (bareGc[i + 2] === 4) majors.push(bareGc[i + 1]);
  console.log(`bare: ${totals.length} small gets, ${moved} values moved in ${values.seconds} s, load ${load.toFixed(2)}; p50 ${q(0.5)} p99 ${q(0.99)} p99.9 ${q(0.999)} ms; over 2 ms ${((100 * totals.filter((t) => t > 2).length) / totals.length).toFixed(2)} %`);
  console.log(`  client GC ${bareGc.length / 3} pauses, ${majors.length} major (${majors.map((ms) => ms.toFixed(1)).join(' ')} ms); CPU per value user ${(client.cpu!.user / 1000 / moved).toFixed(1)} sys ${(client.cpu!.system / 1000 / moved).toFixed(1)} ms`);
  const usage = process.resourceUsage();
  console.log(`  per value: ${((usage.minorPageFault - usageStart.minorPageFault) / moved).toFixed(0)} page faults, ${((usage.involuntaryContextSwitches - usageStart.involuntaryContextSwitches) / moved).toFixed(1)} involuntary and ${((usage.voluntaryContextSwitches - usageStart.voluntaryContextSwitches) / moved).toFixed(1)} voluntary context switches (all threads, the measured window)`);
  console.log(`  heap spaces (MB size/used): ${spaces.join(', ')}`);
  process.exit(0);
}
const gets: { s: number; e: number }[] = [];
for (let i = 0; i < getCount; i += 2) gets.push({ s: getTimes[i], e: getTimes[i + 1] });
const serverTimeline = JSON.parse(await fs.readFile(timelineFile, 'utf8')) as Timeline;
await fs.rm(timelineFile, { force: true });
if (values.json !== undefined) await fs.writeFile(values.json, JSON.stringify({ gets, client, server: serverTimeline }));

/** Rows of `stride` numbers, as tuples. */
function rowsOf(flat: number[], stride: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += stride) rows.push(flat.slice(i, i + stride));
  return rows;
}
const cFrameIn = rowsOf(client.frameIn, 3).filter((r) => r[1] < 64);
const sFrameIn = rowsOf(serverTimeline.frameIn, 3).filter((r) => r[2] === 1);
const sFrameOut = rowsOf(serverTimeline.frameOut, 5);
const sChunkOut = rowsOf(serverTimeline.chunkOut, 3);
const cChunkIn = rowsOf(client.chunkIn, 2);
const cReads = rowsOf(client.reads, 2);
const cGc = rowsOf(client.gc, 3);
const sGc = rowsOf(serverTimeline.gc, 3);
const sAcks = rowsOf(serverTimeline.acksIn, 2);
const first = (rows: number[][], from: number, to: number): number[] | undefined => rows.find((r) => r[0] >= from && r[0] <= to);
const within = (rows: number[][], from: number, to: number): number[][] => rows.filter((r) => r[0] >= from && r[0] <= to);
const sum = (rows: number[][], column: number): number => rows.reduce((total, r) => total + r[column], 0);
/** GC pauses overlapping [from, to]: "kind:ms" each, and the total overlap. */
const gcIn = (rows: number[][], from: number, to: number): { text: string; ms: number } => {
  const hit = rows.filter((r) => r[0] < to && r[0] + r[1] > from);
  const kind: Record<number, string> = { 1: 'minor', 4: 'MAJOR', 8: 'incr', 16: 'weak' };
  return { text: hit.map((r) => `${kind[r[2]] ?? r[2]}:${r[1].toFixed(2)}`).join(' '), ms: hit.reduce((t, r) => t + Math.min(to, r[0] + r[1]) - Math.max(from, r[0]), 0) };
};

interface Phase {
  total: number;
  toServer: number;
  server: number;
  toClient: number;
  resolve: number;
  bytesAhead: number;
  unacked: number;
  sockQueued: number;
  chunksDuring: number;
  clientGc: number;
  serverGc: number;
  maxReadGap: number;
  gcText: string;
  sGcText: string;
}
// The two processes' clocks (timeOrigin + now) differ by up to a millisecond: the server's marks are
// moved onto the client's clock by the offset that makes the fastest request and reply legs equal.
const legs = gets
  .map(({ s, e }) => {
    const sin = first(sFrameIn, s - 5, e + 5);
    const sout = first(sFrameOut, sin?.[0] ?? s - 5, e + 5);
    const cin = first(cFrameIn, s, e + 1);
    return sin && sout && cin ? [sin[0] - s, cin[0] - sout[0]] : undefined;
  })
  .filter((leg): leg is number[] => leg !== undefined);
const offset = (Math.min(...legs.map((l) => l[0])) - Math.min(...legs.map((l) => l[1]))) / 2;
for (const rows of [sFrameIn, sFrameOut, sChunkOut, sGc, sAcks]) for (const r of rows) r[0] -= offset;
const phases: Phase[] = [];
for (const { s, e } of gets) {
  const sin = first(sFrameIn, s, e);
  const sout = first(sFrameOut, sin?.[0] ?? s, e);
  const cin = first(cFrameIn, sout?.[0] ?? s, e + 1);
  if (!sin || !sout || !cin) continue;
  const cg = gcIn(cGc, s, e);
  const sg = gcIn(sGc, s, e);
  const reads = within(cReads, s, e).map((r) => r[0]);
  let maxReadGap = 0;
  for (let i = 1; i < reads.length; i++) maxReadGap = Math.max(maxReadGap, reads[i] - reads[i - 1]);
  phases.push({
    total: e - s,
    toServer: sin[0] - s,
    server: sout[0] - sin[0],
    toClient: cin[0] - sout[0],
    resolve: e - cin[0],
    bytesAhead: sum(within(cChunkIn, sout[0], cin[0]), 1) / 1024,
    unacked: sout[3] / 1024,
    sockQueued: sout[2] / 1024,
    chunksDuring: within(sChunkOut, s, e).length,
    clientGc: cg.ms,
    serverGc: sg.ms,
    maxReadGap,
    gcText: cg.text,
    sGcText: sg.text,
  });
}

const seconds = Number(values.seconds);
const cpu = (t: Timeline): string => `user ${(t.cpu!.user / 1000 / Math.max(1, moved)).toFixed(1)} / sys ${(t.cpu!.system / 1000 / Math.max(1, moved)).toFixed(1)} ms, ${(t.faults! / Math.max(1, moved)).toFixed(0)} faults`;
console.log(
  `${gets.length} small gets in ${seconds} s while ${moved} values of ${size} B moved (${((moved * size) / 2 ** 20 / seconds).toFixed(0)} MiB/s); load ${load.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}; matched ${phases.length}; server clock offset ${offset.toFixed(3)} ms`,
);
console.log(`per value moved: client ${cpu(client)}; server ${cpu(serverTimeline)}`);
console.log(
  `client GC: ${cGc.length} pauses, ${sum(cGc, 1).toFixed(0)} ms (${cGc.filter((r) => r[2] === 4).length} major, ${sum(cGc.filter((r) => r[2] === 4), 1).toFixed(0)} ms); server GC: ${sGc.length} pauses, ${sum(sGc, 1).toFixed(0)} ms (${sGc.filter((r) => r[2] === 4).length} major)`,
);
const spaces = v8.getHeapSpaceStatistics().map((space) => `${space.space_name} ${(space.space_size / 2 ** 20).toFixed(1)}/${(space.space_used_size / 2 ** 20).toFixed(1)}`);
console.log(`client heap spaces (MB size/used): ${spaces.join(', ')}`);
console.log(`server chunks written ${sChunkOut.length}, acks in ${sAcks.length}`);
const keys = ['total', 'toServer', 'server', 'toClient', 'resolve', 'bytesAhead', 'unacked', 'sockQueued', 'clientGc', 'serverGc', 'maxReadGap'] as const;
const sorted = (key: (typeof keys)[number]): number[] => phases.map((p) => p[key]).sort((a, b) => a - b);
const at = (list: number[], q: number): string => list[Math.min(list.length - 1, Math.floor(q * list.length))].toFixed(2);
console.log('phase (ms; bytes in KiB)   p50      p90      p99      p99.9    max');
for (const key of keys) {
  const list = sorted(key);
  console.log(`  ${key.padEnd(22)} ${[0.5, 0.9, 0.99, 0.999].map((q) => at(list, q).padStart(8)).join(' ')} ${list[list.length - 1].toFixed(2).padStart(8)}`);
}
// The slowest 2 %: which phase holds their time.
const slow = [...phases].sort((a, b) => b.total - a.total).slice(0, Math.max(1, Math.ceil(phases.length / 50)));
const mean = (key: (typeof keys)[number]): string => (slow.reduce((t, p) => t + p[key], 0) / slow.length).toFixed(2);
console.log(`slowest 2 % (${slow.length}), means: ${keys.map((k) => `${k} ${mean(k)}`).join(', ')}`);
console.log(`  with a client GC pause: ${slow.filter((p) => p.clientGc > 0).length}, a client major GC: ${slow.filter((p) => p.gcText.includes('MAJOR')).length}, a server GC pause: ${slow.filter((p) => p.serverGc > 0).length}`);
// Every get over 2 ms (the target), put down to the first of these that fits it.
const over = phases.filter((p) => p.total > 2);
const causes: Record<string, number> = {};
for (const p of over) {
  const cause =
    p.gcText.includes('MAJOR') ? 'client mark-compact' :
    p.clientGc >= 0.5 ? 'client scavenge/marking step ≥ 0.5 ms' :
    p.serverGc >= 0.5 ? 'server GC' :
    p.server > 0.5 ? 'server late to reply' :
    p.maxReadGap > 1 ? 'client loop blocked, no GC (preempted, syscall)' :
    'client reading chunk data ahead';
  causes[cause] = (causes[cause] ?? 0) + 1;
}
console.log(`gets over 2 ms: ${over.length} (${((100 * over.length) / phases.length).toFixed(2)} %): ${Object.entries(causes).map(([cause, n]) => `${cause} ${n}`).join(', ')}`);
console.log(`slowest ${values.slowest} (ms):`);
for (const p of slow.slice(0, Number(values.slowest))) {
  console.log(
    `  total ${p.total.toFixed(2)} toServer ${p.toServer.toFixed(2)} server ${p.server.toFixed(2)} toClient ${p.toClient.toFixed(2)} resolve ${p.resolve.toFixed(2)} | ahead ${p.bytesAhead.toFixed(0)} KiB unacked ${p.unacked.toFixed(0)} sock ${p.sockQueued.toFixed(0)} chunks ${p.chunksDuring} readGap ${p.maxReadGap.toFixed(2)} | cGC ${p.gcText} | sGC ${p.sGcText}`,
  );
}
