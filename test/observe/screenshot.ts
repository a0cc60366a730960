// Makes docs/dashboard.png: a server with a few busy queues, locks and clients, its dashboard
// loaded in headless Chromium for a few seconds (so the chart has a history), then a screenshot.
//   node --import tsx test/observe/screenshot.ts [docs/dashboard.png]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SyncManager } from '../../lib/index.js';
import { startDashboard } from '../../lib/dashboard/dashboard.js';

const out = path.resolve(process.argv[2] ?? 'docs/dashboard.png');
const authkey = 'screenshot';
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey }).getServer();
const address = await server.listen();
const clients = await Promise.all(
  [1, 2, 3].map(async () => {
    const m = new SyncManager({ address, authkey });
    await m.connect();
    return m;
  }),
);
const [producer, consumer, other] = clients as [SyncManager, SyncManager, SyncManager];
const tasks = await producer.JoinableQueue<number>(100);
const results = await producer.Queue<number>();
const lock = await producer.Lock();
await lock.acquire();
const consumerLock = (await consumer._proxyFromRef({ typeid: 'Lock', id: lock._token.id, address })) as typeof lock;
const waiting = consumerLock.acquire();
const rlock = await other.RLock();
await rlock.acquire();
await rlock.acquire();
const ev = await other.Event();
const barrier = await other.Barrier(3);
const arrived = barrier.wait().catch(() => undefined);
const counts = await other.dict<string, number>();
await counts.update({ done: 0, failed: 0 });
const log = await other.list<string>(['started']);
let running = true;
const load = (async () => {
  let i = 0;
  while (running) {
    await Promise.all(Array.from({ length: 20 + (i % 7) * 10 }, (_, k) => tasks.put(k, true, 1).catch(() => undefined)));
    for (let k = 0; k < 15; k++) await tasks.get().then(() => tasks.taskDone());
    await results.put(i);
    await log.append(`round ${i++}`);
    await new Promise((r) => setTimeout(r, 120));
    if ((await tasks.qsize()) > 80) while ((await tasks.qsize()) > 10) await tasks.get().then(() => tasks.taskDone());
  }
})();

const dashboard = await startDashboard({ server, port: 0 });
const profile = await mkdtemp(path.join(os.tmpdir(), 'mpm-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 820 },
  colorScheme: 'light',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await context.newPage();
  await page.goto(dashboard.url);
  await new Promise((r) => setTimeout(r, 12_000));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  running = false;
  await load;
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await dashboard.close();
  await ev.set();
  await barrier.abort();
  await arrived;
  await lock.release();
  await waiting;
  for (const m of clients) await m.close();
  await server.close();
}
