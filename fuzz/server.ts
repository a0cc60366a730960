// The server under fuzzing, in its own process (run by fuzz/run.ts with --expose-gc and an IPC
// channel). argv[2]: JSON ManagerOptions (limits); the authkey comes from MPM_FUZZ_AUTHKEY.
// Prints `listening <address>`; answers IPC `{ type: 'memory', settle? }` with its memory, and
// `{ type: 'stop' }` by shutting down (then the process exits on its own, code 0).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SyncManager, type ManagerOptions } from '../lib/index.js';

// tsx turns source maps on, which makes every error's stack (sent with each error reply) ~50x
// dearer to build than in a deployed server; measure the server as it would run.
process.setSourceMapsEnabled(false);

/** How long the event loop was blocked at worst: how long any client may have waited for nothing. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const options = JSON.parse(process.argv[2] ?? '{}') as ManagerOptions;
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: process.env['MPM_FUZZ_AUTHKEY'], ...options }).getServer();
const address = await server.listen();
console.log(`listening ${JSON.stringify(address)}`);

process.on('message', (message: { type: string; settle?: boolean }) => {
  if (message.type === 'memory') void reportMemory(message.settle === true);
  else if (message.type === 'stop') void server.close();
});

/**
 * Reports memory, connections and objects. With `settle`: after full collections, once dropped
 * references have been processed (finalizers, the cycle collector), to look for leaks.
 */
async function reportMemory(settle: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  for (let i = 0; settle && i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const entries = [...server.table.entries.values()];
  const sample = entries.length <= 20 ? entries.map((e) => `${e.id} ${e.typeid} ext=${e.externalRefs} int=${e.internalRefs}`) : [];
  process.send!({
    type: 'memory',
    memory: process.memoryUsage(),
    peakRss: peakRss(),
    connections: server.connectionCount,
    objects: entries.length,
    sample,
    maxLoopDelayMs: loopDelay.max / 1e6,
  });
}

/** The process's peak resident set so far (Linux VmHWM), catching what a 2 s sampler misses; else the current one. */
function peakRss(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    if (line !== undefined) return Number(/(\d+)/.exec(line)![1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

await server.serveForever();
if (process.connected) process.disconnect(); // the IPC channel must not be what keeps this process alive
console.log('stopped');
