// An mpmanagers server process for the benchmark.
//   node [--expose-gc] mpServer.js --authkey KEY (--tcp | --unix PATH)
// Prints {ready, address, pid}; answers `gc` (a full collection, before the runner reads the RSS)
// and `connections` (how many authenticated clients it serves).
import { parseArgs } from 'node:util';
import { BenchManager } from './benchManager.js';
import { serveCommands } from './commands.js';

const { values } = parseArgs({ options: { authkey: { type: 'string' }, tcp: { type: 'boolean' }, unix: { type: 'string' } } });
const server = new BenchManager({
  address: values.unix ?? ['127.0.0.1', 0],
  authkey: values.authkey ?? 'bench',
  // The dict-memory job sends 1,000,000 entries in a few large update() calls.
  maxFrameSize: 256 * 1024 * 1024,
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
