// The fuzzer: throws malformed and mutated frames at a live manager server in its own process,
// before and after authentication, while a healthy client checks every answer it gets.
//
//   node --import tsx fuzz/run.ts [--frames 1000000] [--connections 16] [--seed N] [--max-rss-mb 1024]
//                                 [--flood 16] [--max-flood-growth-mb 64]
//   node --import tsx fuzz/run.ts --quick            # 30,000 frames and a flood of 4, for CI
//   node --import tsx fuzz/run.ts --pickle [--quick]  # pickle mode: CPython's protocol (fuzz/pickle.ts)
//
// First a pre-auth flood: --flood connections without the key each send three handshake frames and
// a 64 MiB frame header in one write, then stream the 64 MiB (issue 10 §1), while a fresh client
// must still be served. Then the frame fuzzing.
//
// It fails (exit code 1) when the server crashes, stalls (a connection's marker request is not
// answered), uses more memory than --max-rss-mb, grows its peak RSS by more than
// --max-flood-growth-mb during the flood, reads much of a flood's body or leaves a flooding peer
// connected, keeps memory or objects after the attackers are gone, or when the healthy client gets
// one wrong answer or error. The report is printed at the end.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Address } from '../lib/connection/address.js';
import { FrameFactory, ProtectedIds, preauthFrames, threeFrameOpening, type FrameKind } from './frames.js';
import type { HealthyStats } from './healthy.js';
import { MARKER_BASE, RawPeer } from './peer.js';
import { Random } from './random.js';
import { drawsBars, progress as progressBar } from '../bench/harness/progress.js';

const { values: cli } = parseArgs({
  options: {
    frames: { type: 'string' },
    connections: { type: 'string', default: '16' },
    seed: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'max-rss-mb': { type: 'string', default: '1024' },
    flood: { type: 'string' },
    'max-flood-growth-mb': { type: 'string', default: '64' },
    pickle: { type: 'boolean', default: false },
  },
});
if (cli.pickle) {
  // Pickle mode (fuzz/pickle.ts): CPython's protocol at a pickle-mode server.
  const { runPickleFuzz } = await import('./pickle.js');
  const frames = Number(cli.frames ?? (cli.quick ? 5_000 : 200_000));
  const ok = await runPickleFuzz({ frames, connections: Number(cli.connections), seed: Number(cli.seed ?? Date.now() % 2 ** 32) });
  process.exit(ok ? 0 : 1);
}
const TARGET_FRAMES = Number(cli.frames ?? (cli.quick ? 30_000 : 1_000_000));
const CONNECTIONS = Number(cli.connections);
const SEED = Number(cli.seed ?? Date.now() % 2 ** 32);
const MAX_RSS = Number(cli['max-rss-mb']) * 1024 * 1024;
/** Share of connections that attack the handshake instead of authenticating. */
const PREAUTH_SHARE = 0.5;
/** Handshake attacks each fuzzing connection keeps going at once. */
const PREAUTH_PARALLEL = 8;
/** Share of an authenticated connection's frames that break the protocol (and usually end it). */
const FATAL_SHARE = 0.005;
/** Share of an authenticated connection's frames that try to amplify (issue 10): up to 8 MiB each. */
const AMPLIFY_SHARE = 0.001;
/** Frames an authenticated connection sends before the fuzzer hangs up itself (to cycle connections). */
const FRAMES_PER_SESSION = 4000;
const BATCH = 200;
const MARKER_TIMEOUT_MS = 15_000;
/** Pre-auth flood connections, all at once. */
const FLOOD_CONNECTIONS = Number(cli.flood ?? (cli.quick ? 4 : 16));
/** The frame each flooding peer announces, and the body it then streams. */
const FLOOD_FRAME = 64 * 1024 * 1024;
const MAX_FLOOD_GROWTH = Number(cli['max-flood-growth-mb']) * 1024 * 1024;
/** Most of a flood body the server may take: what the kernel's socket buffers hold once it stops reading. */
const MAX_FLOOD_ACCEPTED = 32 * 1024 * 1024;
/** A flooding peer must be hung up on well within this (the server's handshake timeout is 1 s). */
const FLOOD_CLOSE_TIMEOUT_MS = 10_000;

interface Counts {
  frames: number;
  preauthFrames: number;
  byKind: Record<FrameKind, number>;
  connections: number;
  preauthConnections: number;
  closedByServer: number;
  repliesReceived: number;
  stalls: number;
  badFramesFromServer: number;
}

const counts: Counts = {
  frames: 0,
  preauthFrames: 0,
  byKind: { request: 0, control: 0, 'cancel-ping': 0, malformed: 0, mutated: 0, random: 0, framing: 0, amplification: 0 },
  connections: 0,
  preauthConnections: 0,
  closedByServer: 0,
  repliesReceived: 0,
  stalls: 0,
  badFramesFromServer: 0,
};

const authkey = randomBytes(16).toString('hex');
const started = performance.now();
console.log(`fuzz: ${TARGET_FRAMES} frames, ${CONNECTIONS} connections, seed ${SEED}`);

const server = startServer();
const address = (await server.ready) as Address;
const healthy = await startHealthy(address);
const protectedIds = new ProtectedIds();
for (const id of healthy.objectIds) protectedIds.add(id);
const baseline = await server.memory(true);

let peakRss = Math.max(baseline.memory.rss, baseline.peakRss);
const sampler = setInterval(() => {
  server.memory().then(
    (sample) => (peakRss = Math.max(peakRss, sample.memory.rss, sample.peakRss)),
    (error: Error) => console.error(`memory sample failed: ${error.message}`),
  );
}, 2000);

const flood = await preauthFlood();
console.log(
  `  pre-auth flood: ${flood.connections} connections, server peak RSS +${mb(flood.peakGrowth)}, ` +
    `at most ${mb(flood.acceptedMax)} of a body taken, slowest hang-up ${flood.slowestCloseMs} ms, fresh client served in ${flood.probeMs} ms`,
);

const root = new Random(SEED);
// On a terminal a bar, redrawn twice a second; in CI logs a plain line every 10 s.
const bar = progressBar('fuzz', TARGET_FRAMES, 'frames');
const progress = setInterval(
  () => {
    const seconds = (performance.now() - started) / 1000;
    const detail = `${counts.connections} connections, ${Math.round(counts.frames / seconds)} frames/s, server rss ${mb(peakRss)}`;
    if (drawsBars()) bar.update(counts.frames, detail);
    else console.log(`  ${counts.frames} frames, ${detail}`);
  },
  drawsBars() ? 500 : 10_000,
);
await Promise.all(Array.from({ length: CONNECTIONS }, () => attacker(root.fork())));
clearInterval(progress);
bar.stop();
clearInterval(sampler);

// Everything the attackers held must be gone once their connections are.
await sleepMs(1000);
const after = await server.memory(true);
const healthyStats = await healthy.stop(); // it then shuts the server down
const exit = await server.exited;
const seconds = (performance.now() - started) / 1000;

const failures: string[] = [];
if (exit.code !== 0 || exit.signal !== null) failures.push(`server exited with code ${exit.code}, signal ${exit.signal}`);
if (counts.stalls > 0) failures.push(`${counts.stalls} marker requests unanswered within ${MARKER_TIMEOUT_MS} ms`);
if (counts.badFramesFromServer > 0) failures.push(`${counts.badFramesFromServer} unparsable frames from the server`);
if (healthyStats.failures > 0) failures.push(`healthy client: ${healthyStats.failures} failures: ${healthyStats.failureSamples.join('; ')}`);
if (healthyStats.rounds === 0) failures.push('healthy client completed no round');
if (peakRss > MAX_RSS) failures.push(`server peak RSS ${mb(peakRss)} over the ${mb(MAX_RSS)} bound`);
if (after.connections !== 1) failures.push(`${after.connections} connections still open after the attackers left (expected 1)`);
if (after.objects !== healthy.objectIds.length) {
  failures.push(`${after.objects} shared objects left (expected the healthy client's ${healthy.objectIds.length}): ${after.sample.join(', ')}`);
}
if (flood.unclosed > 0) failures.push(`${flood.unclosed} pre-auth flood connections still open after ${FLOOD_CLOSE_TIMEOUT_MS} ms`);
if (flood.acceptedMax > MAX_FLOOD_ACCEPTED) failures.push(`the server took ${mb(flood.acceptedMax)} of a pre-auth flood body (bound ${mb(MAX_FLOOD_ACCEPTED)})`);
if (flood.peakGrowth > MAX_FLOOD_GROWTH) failures.push(`server peak RSS grew by ${mb(flood.peakGrowth)} during the pre-auth flood (bound ${mb(MAX_FLOOD_GROWTH)})`);
if (flood.probeMs < 0) failures.push('a fresh client was not served during the pre-auth flood');
peakRss = Math.max(peakRss, after.peakRss);
const heapGrowth = after.memory.heapUsed - baseline.memory.heapUsed;
if (heapGrowth > 32 * 1024 * 1024) failures.push(`server heap grew by ${mb(heapGrowth)} after the attackers left`);

console.log(
  JSON.stringify(
    {
      seed: SEED,
      seconds: Math.round(seconds),
      frames: counts.frames,
      framesPerSecond: Math.round(counts.frames / seconds),
      preauthFrames: counts.preauthFrames,
      authenticatedFrames: counts.frames - counts.preauthFrames,
      byKind: counts.byKind,
      connections: counts.connections,
      preauthConnections: counts.preauthConnections,
      closedByServer: counts.closedByServer,
      repliesReceived: counts.repliesReceived,
      stalls: counts.stalls,
      healthy: healthyStats,
      preauthFlood: { ...flood, peakGrowth: mb(flood.peakGrowth), acceptedMax: mb(flood.acceptedMax) },
      server: {
        exit,
        rssBaseline: mb(baseline.memory.rss),
        rssPeak: mb(peakRss),
        heapBaseline: mb(baseline.memory.heapUsed),
        heapAfter: mb(after.memory.heapUsed),
        objectsAfter: after.objects,
        maxEventLoopDelayMs: Math.round(after.maxLoopDelayMs),
        connectionsAfter: after.connections,
      },
    },
    null,
    2,
  ),
);
if (failures.length > 0) {
  console.log(`FUZZ FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`fuzz passed: ${counts.frames} frames (${counts.preauthFrames} before authentication), 0 server crashes`);

/** One fuzzing connection after another until the frame target is reached. */
async function attacker(rng: Random): Promise<void> {
  const preauthInFlight = new Set<Promise<void>>();
  while (counts.frames < TARGET_FRAMES) {
    if (rng.chance(PREAUTH_SHARE)) {
      // Handshake attacks wait for the server to hang up: run a few alongside, not in turn.
      const round = preauthRound(rng).finally(() => preauthInFlight.delete(round));
      preauthInFlight.add(round);
      if (preauthInFlight.size >= PREAUTH_PARALLEL) await Promise.race(preauthInFlight);
    } else {
      await authenticatedRound(rng);
    }
  }
  await Promise.all(preauthInFlight);
}

async function preauthRound(rng: Random): Promise<void> {
  const peer = await RawPeer.connect(address);
  counts.connections++;
  counts.preauthConnections++;
  const frames = preauthFrames(rng);
  if (frames[0].afterAnswer && !(await peer.answerChallenge(Buffer.from(authkey)))) {
    peer.destroy();
    return;
  }
  for (const frame of frames) {
    peer.write(frame.bytes);
    counts.frames++;
    counts.preauthFrames++;
  }
  // The server hangs up at once, or at its handshake timeout for a peer that stopped mid-frame.
  const outcome = await Promise.race([peer.closed.then(() => 'closed'), sleepMs(300).then(() => 'open')]);
  if (outcome === 'closed') counts.closedByServer++;
  peer.destroy();
}

async function authenticatedRound(rng: Random): Promise<void> {
  const peer = await RawPeer.connect(address);
  counts.connections++;
  if (!(await peer.authenticate(Buffer.from(authkey)))) {
    peer.destroy();
    return;
  }
  const factory = new FrameFactory(rng, protectedIds);
  let sent = 0;
  let markers = 0;
  while (sent < FRAMES_PER_SESSION && counts.frames < TARGET_FRAMES && !peer.isClosed) {
    factory.knownIds.push(...peer.seenIds.splice(0));
    if (factory.knownIds.length > 256) factory.knownIds.splice(0, factory.knownIds.length - 256);
    let fatal = false;
    for (let i = 0; i < BATCH && !fatal; i++) {
      const frame = factory.authenticated(FATAL_SHARE, AMPLIFY_SHARE);
      fatal = frame.fatal;
      if (!peer.write(frame.bytes)) await peer.drained();
      counts.frames++;
      counts.byKind[frame.kind]++;
      sent++;
    }
    peer.write(factory.marker(MARKER_BASE + markers));
    const outcome = await peer.marker(markers++, MARKER_TIMEOUT_MS);
    if (outcome === 'closed') counts.closedByServer++;
    if (outcome === 'timeout') {
      counts.stalls++;
      console.error(`stall: no reply to a marker within ${MARKER_TIMEOUT_MS} ms (seed ${SEED})`);
    }
    if (outcome !== 'ok') break;
  }
  counts.repliesReceived += peer.framesIn;
  counts.badFramesFromServer += peer.badFramesFromServer;
  peer.destroy();
  await peer.closed;
}

interface FloodStats {
  connections: number;
  /** Growth of the server's peak RSS (VmHWM) across the flood, in bytes. */
  peakGrowth: number;
  /** The most body bytes one flooding peer got the socket to accept. */
  acceptedMax: number;
  slowestCloseMs: number;
  unclosed: number;
  /** How long a fresh authenticated client waited for its first reply during the flood; -1 if never. */
  probeMs: number;
}

/**
 * Issue 10 §1: FLOOD_CONNECTIONS peers without the key, at once, each writing three handshake
 * frames and a 64 MiB header in one write and then streaming the body as fast as the server takes
 * it (half-open sockets: they keep writing after the server's FIN). The server must hang up on each
 * without reading the body, its peak RSS must not grow by the frames, and a fresh client must be
 * served meanwhile.
 */
async function preauthFlood(): Promise<FloodStats> {
  const before = await server.memory();
  const floods = Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, () => floodOne()));
  const probe = probeFreshClient();
  const results = await floods;
  const probeMs = await probe;
  const after = await server.memory();
  return {
    connections: FLOOD_CONNECTIONS,
    peakGrowth: after.peakRss - before.peakRss,
    acceptedMax: Math.max(0, ...results.map((r) => r.accepted)),
    slowestCloseMs: Math.round(Math.max(0, ...results.map((r) => r.closeMs))),
    unclosed: results.filter((r) => !r.closed).length,
    probeMs,
  };
}

async function floodOne(): Promise<{ accepted: number; closeMs: number; closed: boolean }> {
  const peer = await RawPeer.connect(address, { allowHalfOpen: true });
  counts.connections++;
  counts.preauthConnections++;
  await peer.nextFrame(); // the challenge
  const start = performance.now();
  peer.write(threeFrameOpening(FLOOD_FRAME));
  counts.frames += 4;
  counts.preauthFrames += 4;
  const block = Buffer.alloc(1024 * 1024);
  let accepted = 0;
  for (let sent = 0; sent < FLOOD_FRAME && !peer.isClosed; sent += block.length) {
    const more = peer.writeCounted(block, (written) => {
      if (written) accepted += block.length;
    });
    if (!more) await peer.drained();
  }
  const closed = await Promise.race([peer.closed.then(() => true), sleepMs(FLOOD_CLOSE_TIMEOUT_MS).then(() => false)]);
  const closeMs = performance.now() - start;
  if (closed) counts.closedByServer++;
  peer.destroy();
  return { accepted, closeMs, closed };
}

/** Authenticates a fresh peer and times its first marker reply; -1 if it never came. */
async function probeFreshClient(): Promise<number> {
  const start = performance.now();
  const peer = await RawPeer.connect(address);
  try {
    if (!(await peer.authenticate(Buffer.from(authkey)))) return -1;
    peer.write(new FrameFactory(new Random(SEED), protectedIds).marker(MARKER_BASE));
    return (await peer.marker(0, MARKER_TIMEOUT_MS)) === 'ok' ? Math.round(performance.now() - start) : -1;
  } finally {
    peer.destroy();
  }
}

interface MemorySample {
  memory: NodeJS.MemoryUsage;
  /** The server's peak RSS so far (VmHWM). */
  peakRss: number;
  connections: number;
  objects: number;
  /** The objects left, when there are few. */
  sample: string[];
  /** The longest the server's event loop was blocked so far. */
  maxLoopDelayMs: number;
}

function startServer(): { ready: Promise<unknown>; memory(settle?: boolean): Promise<MemorySample>; exited: Promise<{ code: number | null; signal: string | null }> } {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child: ChildProcess = fork(script, [JSON.stringify({ handshakeTimeout: 1 })], {
    execArgv: [...process.execArgv, '--expose-gc', ...(process.env['FUZZ_SERVER_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['FUZZ_SERVER_PROFILE']] : [])],
    env: { ...process.env, MPM_FUZZ_AUTHKEY: authkey },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(JSON.parse(line.slice('listening '.length)));
    });
    void exited.then((e) => reject(new Error(`server exited before listening: ${JSON.stringify(e)}`)));
  });
  const waiting: ((sample: MemorySample) => void)[] = [];
  child.on('message', (message: { type: string } & MemorySample) => {
    if (message.type === 'memory') waiting.shift()?.(message);
  });
  return {
    ready,
    exited,
    memory: (settle = false) =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error('the server process is gone'));
        waiting.push(resolve);
        child.send({ type: 'memory', settle });
      }),
  };
}

/** The healthy client, in its own process. */
async function startHealthy(serverAddress: Address): Promise<{ objectIds: string[]; stop(): Promise<HealthyStats> }> {
  const child = fork(fileURLToPath(new URL('./healthy.ts', import.meta.url)), [JSON.stringify(serverAddress)], {
    env: { ...process.env, MPM_FUZZ_AUTHKEY: authkey },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type: string }): void => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the healthy client exited (code ${code}) before sending '${type}'`)));
    });
  const { objectIds } = (await next('ready')) as { objectIds: string[] };
  return {
    objectIds,
    async stop() {
      const stats = next('stats');
      child.send({ type: 'stop' });
      return ((await stats) as { stats: HealthyStats }).stats;
    },
  };
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
