// The pickle server's busy polling (lib/server/busyPoll.ts): the event loop stays awake for a
// moment after a reply while replies come close together, serves a CPython Queue producer and
// consumer correctly while it does, and stops once the replies stop (no CPU spent by an idle server).
import { expect } from 'chai';
import { SyncManager } from '../../lib/index.js';
import { isPolling, keepPolling, requestArrived } from '../../lib/server/busyPoll.js';
import { runPythonScript } from './pythonRun.js';

/** Resolves once the loop has stopped polling; rejects if it still polls after `ms`. */
async function pollingStops(ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (isPolling()) {
    if (Date.now() > deadline) throw new Error(`still polling after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('pickle server: busy polling after replies', function () {
  this.timeout(120_000);

  it('requests that follow replies at once make it poll; it stops by itself once they stop', async () => {
    await pollingStops();
    // Each request right after the reply before it (a preempted call may miss the window: hence the loop).
    for (let i = 0; i < 1000 && !isPolling(); i++) {
      requestArrived();
      keepPolling();
    }
    expect(isPolling()).to.equal(true);
    await pollingStops();
  });

  it('requests coming later than the window after a reply never make it poll (a client that thinks between calls)', async () => {
    await pollingStops();
    for (let i = 0; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      requestArrived();
      keepPolling();
      // The first few misses bring down what earlier requests counted; from then on it never polls.
      if (i >= 4) expect(isPolling()).to.equal(false);
    }
  });

  it('a CPython Queue producer and consumer, beside proxies coming and going: every item once, in order; then the loop sleeps', async () => {
    const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'secret', serializer: 'pickle', legacyAuth: true }).getServer();
    const [, port] = (await server.listen()) as [string, number];
    try {
      const run = await runPythonScript('3.11', 'queue_pair.py', [String(port), 'secret', '3000']);
      expect(run.stderr, run.stdout).to.equal('');
      expect(run.code).to.equal(0);
      expect(run.stdout).to.contain('ok 3000');
      await pollingStops();
      expect(server.table.numberOfObjects()).to.equal(0);
    } finally {
      await server.close();
    }
  });
});
