// The claim of RedisManager: a program written against a connected SyncManager runs unchanged
// against it. One body (helpers/program.ts), two backends: two clients of one manager server, and
// two RedisManagers on one real redis-server.
import { SyncManager, RedisManager } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { RedisServer } from './helpers/redisServer.js';
import { PROGRAM, type Side } from './helpers/program.js';

interface Backend {
  name: string;
  open(): Promise<{ a: Side; b: Side; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SyncManager (connected to a manager server)',
    async open() {
      const served: Served<SyncManager> = await serve(SyncManager);
      return { a: await served.client(), b: await served.client(), close: () => served.close() };
    },
  },
  {
    name: 'RedisManager (one redis-server)',
    async open() {
      const server = await RedisServer.start();
      const a = new RedisManager({ url: server.url });
      const b = new RedisManager({ url: server.url });
      await a.connect();
      await b.connect();
      return {
        a,
        b,
        async close() {
          await a.close();
          await b.close();
          await server.stop();
        },
      };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`redis/the same program on ${backend.name}`, () => {
    let sides: Awaited<ReturnType<Backend['open']>>;
    before(async () => {
      sides = await backend.open();
    });
    after(() => sides.close());
    for (const [title, body] of Object.entries(PROGRAM)) {
      it(title, () => body(sides.a, sides.b));
    }
  });
}
