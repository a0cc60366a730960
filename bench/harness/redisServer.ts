// The redis-server the Redis rows measure against: started by the runner on a free port in a
// temporary folder (never the system service), persistence off, stopped with the other processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

let running: Promise<BenchRedis> | undefined;

/** The runner's one redis-server (started on first use). */
export function benchRedis(): Promise<BenchRedis> {
  running ??= start();
  return running;
}

export async function stopBenchRedis(): Promise<void> {
  const r = running;
  running = undefined;
  if (r !== undefined) await (await r).stop();
}

async function start(): Promise<BenchRedis> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const dir = mkdtempSync(join(tmpdir(), 'mp-bench-redis-'));
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve();
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.removeAllListeners('exit');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
