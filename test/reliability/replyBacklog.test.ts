// Replies to waiting calls go through the same backpressure as the others (issue 10 §3): a client
// that leaves its replies unread while its queue gets wait is handed nothing more once over the
// backlog limit; the items go to the clients that read, and the server does not pile up replies.
import { expect } from 'chai';
import { SyncManager, type QueueProxy } from '../../lib/index.js';
import { proxyRef } from '../../lib/manager/baseManager.js';
import { RawClient } from '../helpers/raw.js';
import { Child, killAll } from './helpers.js';
import { peakRssMiB } from './rss.js';

const ITEM = 256 * 1024;

describe('reliability: replies to waiting calls and backpressure', function () {
  this.timeout(120_000);
  const children: Child[] = [];
  afterEach(() => killAll(children));

  it('a client with waiting gets that reads nothing is handed nothing more; a reading consumer gets the items', async () => {
    const server = new Child('server.ts', {});
    children.push(server);
    const address = await server.line('listening');
    const owner = new SyncManager({ address, authkey: 'test-key' });
    await owner.connect();
    const stalled = await RawClient.authenticated(address, Buffer.from('test-key'));
    try {
      const queue: QueueProxy<Uint8Array> = await owner.Queue();
      // 400 gets that wait, first in line; then the client stops reading.
      for (let i = 1; i <= 400; i++) stalled.sendMessage([0, i, queue._token.id, 'get', [], null]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stalled.socket.pause();
      const baseline = peakRssMiB(server.pid);

      const putter = new SyncManager({ address, authkey: 'test-key' });
      const consumer = new SyncManager({ address, authkey: 'test-key' });
      await Promise.all([putter.connect(), consumer.connect()]);
      const [theirQueue, myQueue] = await Promise.all([
        putter._proxyFromRef(proxyRef(queue)) as Promise<QueueProxy<Uint8Array>>,
        consumer._proxyFromRef(proxyRef(queue)) as Promise<QueueProxy<Uint8Array>>,
      ]);
      const putting = (async () => {
        for (let i = 0; i < 400; i++) await theirQueue.put(new Uint8Array(ITEM).fill(i % 256));
      })();
      let received = 0;
      // Today's server hands all 400 to the stalled client, which was first in line: none would come.
      while (received < 300) {
        const item = await myQueue.get(true, 20);
        expect(item.length).to.equal(ITEM);
        received++;
      }
      await putting;
      // The stalled client holds at most the backlog limit plus what the kernel buffers.
      const grown = peakRssMiB(server.pid) - baseline;
      expect(grown, `the server grew by ${grown} MiB`).to.be.below(80);
      await Promise.all([putter.close(), consumer.close()]);
    } finally {
      stalled.close();
      await owner.close();
    }
  });
});
