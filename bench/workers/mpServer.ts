// An mpmanagers server process for the benchmark.
//   node [--expose-gc] mpServer.js --authkey KEY (--tcp | --unix PATH) [--pickle]
// Prints {ready, address, pid}; answers `gc` (a full collection, before the runner reads the RSS)
// and `connections` (how many authenticated clients it serves).
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
  },
  { address, pid: process.pid },
);
