// `npm run demo:redis`: the seed's producer/consumer trio, unchanged, with its objects in Redis.
// Starts its own redis-server (a free port, a temporary folder), runs a consumer and a producer
// against it (TRIO_REDIS_URL), checks that each of the 20 results arrived exactly once, and stops
// the redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASK_COUNT } from './queue_common.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'mp-redis-demo-'));
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  redis.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  readline.createInterface({ input: redis.stdout }).on('line', (line) => {
    if (line.includes('Ready to accept connections')) resolve();
  });
});
const url = `redis://127.0.0.1:${port}`;
console.log(`redis-server on ${url}`);

function run(label: string, file: string, onLine: (line: string) => void = () => {}): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, here(file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TRIO_REDIS_URL: url },
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`[${label}] ${line}`);
    onLine(line);
  });
  return child;
}

async function exitCodeOf(child: ChildProcess): Promise<number | null> {
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

const arrivals = new Map<number, number>();
let wrong = 0;
const consumer = run('consumer', './queue_consumer.ts', (line) => {
  const match = /^result (\d+): (\d+) \* 2 = (\d+)$/.exec(line);
  if (match === null) return;
  const [id, n, doubled] = match.slice(1).map(Number) as [number, number, number];
  arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
  if (doubled !== n * 2) wrong++;
});
const producer = run('producer', './queue_producer.ts');
const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);

const missing = [...Array(TASK_COUNT).keys()].filter((id) => !arrivals.has(id));
const repeated = [...arrivals].filter(([, count]) => count > 1).map(([id]) => id);
const ok = producerCode === 0 && consumerCode === 0 && missing.length === 0 && repeated.length === 0 && wrong === 0;
console.log(
  ok
    ? `every one of the ${TASK_COUNT} results arrived exactly once (through Redis)`
    : `FAILED: producer ${producerCode}, consumer ${consumerCode}, missing ${missing}, repeated ${repeated}, wrong ${wrong}`,
);
redis.removeAllListeners('exit');
redis.kill('SIGTERM');
await once(redis, 'exit');
rmSync(dir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
