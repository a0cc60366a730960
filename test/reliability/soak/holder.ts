// Holds many authenticated client connections open in one process, for the soak's "10,000 clients"
// part. argv[2]: JSON { address, count, concurrency }; the authkey comes from MPM_SOAK_AUTHKEY.
// Prints `connected <n>` once all are open. IPC `{ type: 'call' }`: every connection makes one call
// (answer: `{ type: 'called', ok, failed, ms }`); `{ type: 'close' }`: closes them all and exits.
import { SyncManager } from '../../../lib/index.js';

const input = JSON.parse(process.argv[2]) as { address: [string, number]; count: number; concurrency: number };
const authkey = process.env['MPM_SOAK_AUTHKEY'];
const managers: SyncManager[] = [];
process.on('disconnect', () => process.exit(1)); // the soak runner is gone: do not linger

let next = 0;
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (next < input.count) {
      next++;
      const manager = new SyncManager({ address: input.address, authkey, handshakeTimeout: 60 });
      await manager.connect();
      managers.push(manager);
    }
  }),
);
console.log(`connected ${managers.length}`);

process.on('message', (message: { type: string }) => {
  if (message.type === 'call') {
    const start = performance.now();
    void Promise.allSettled(managers.map((m) => m._numberOfObjects())).then((outcomes) => {
      const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
      process.send!({ type: 'called', ok, failed: outcomes.length - ok, ms: performance.now() - start });
    });
  } else if (message.type === 'close') {
    void Promise.all(managers.map((m) => m.close())).then(() => process.exit(0));
  }
});
