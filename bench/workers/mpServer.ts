// An mpmanagers server process for the benchmark.
//   node [--expose-gc] mpServer.js --authkey KEY (--tcp | --unix PATH) [--pickle]
// Prints {ready, address, pid}; answers `gc` (a full collection, before the runner reads the RSS)
// and `connections` (how many authenticated clients it serves).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BenchManager } from './benchManager.js';
import { serveCommands } from './commands.js';

const { values } = parseArgs({
  options: { authkey: { type: 'string' }, tcp: { type: 'boolean' }, unix: { type: 'string' }, pickle: { type: 'boolean' } },
});
const server = new BenchManager({
  address: values.unix ?? ['127.0.0.1', 0],
  authkey: values.authkey ?? 'bench',
  // The dict-memory job sends 1,000,000 entries in a few large update() calls.
  maxFrameSize: 256 * 1024 * 1024,
  // --pickle: CPython's protocol, for the stock CPython client of the pickle row (python3.11 here: legacy auth).
  ...(values.pickle ? { serializer: 'pickle' as const, legacyAuth: true } : {}),
}).getServer();
const address = await server.listen();
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

serveCommands(
  {
    gc: () => {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (collect === undefined) throw new Error('start the server with --expose-gc');
      collect();
      return null;
    },
    /** Authenticated client connections being served. */
    connections: () => server.connectionCount,
    /** Starts measuring how long this server's event loop is held up (the loaded row). */
    loop_delay_start: () => {
      loopDelay.reset();
      loopDelay.enable();
      return null;
    },
    /** What loop_delay_start has measured since, in ms. */
    loop_delay: () => {
      loopDelay.disable();
      return { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    },
  },
  { address, pid: process.pid },
);
