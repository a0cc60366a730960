// `npm run demo:redis`: the seed's producer/consumer trio, unchanged, with its objects in Redis.
// Starts its own redis-server (a free port, a temporary folder), runs a consumer and a producer
// against it (TRIO_REDIS_URL), checks that each of the 20 results arrived exactly once, and stops
// the redis-server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { ResultTally, exitCodeOf, runPart } from './trio_launch.js';

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

const env = { ...process.env, TRIO_REDIS_URL: url };
const tally = new ResultTally();
const consumer = runPart('consumer', './queue_consumer.ts', [], env, tally.onLine);
const producer = runPart('producer', './queue_producer.ts', [], env);
const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);
const ok = tally.verdict(producerCode, consumerCode, ' (through Redis)');
redis.removeAllListeners('exit');
redis.kill('SIGTERM');
await once(redis, 'exit');
rmSync(dir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
