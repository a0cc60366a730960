// The pickle server's busy polling (lib/server/busyPoll.ts): the event loop stays awake for a
// moment after a reply while requests from several connections come close together, never for one
// sequential client nor on a machine with no CPU to spare, serves a CPython Queue producer and
// consumer correctly while it does, and stops once the replies stop (no CPU spent by an idle server).
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
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

/** Brings the hit count to nothing: requests, each later than the window after the last reply. */
async function drainHits(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    requestArrived({});
  }
  await pollingStops();
}

describe('pickle server: busy polling after replies', function () {
  this.timeout(120_000);

  const a = {};
  const b = {};

  /** Replies to one connection and requests from the other, alternating, until the loop polls (a preempted call may miss the window: hence up to 1,000 rounds). */
  function alternateUntilPolling(): void {
    for (let i = 0; i < 1000 && !isPolling(); i++) {
      keepPolling(i % 2 === 0 ? a : b);
      requestArrived(i % 2 === 0 ? b : a);
    }
  }

  it('requests from two connections, each right after a reply to the other, make it poll; it stops by itself', async () => {
    await pollingStops();
    alternateUntilPolling();
    expect(isPolling()).to.equal(true);
    await pollingStops();
  });

  it('one connection calling in a loop never makes it poll, however fast (a lone sequential client)', async () => {
    await drainHits();
    for (let i = 0; i < 100; i++) {
      requestArrived(a);
      keepPolling(a);
      expect(isPolling()).to.equal(false);
    }
  });

  it('requests coming later than the window after a reply never make it poll (a machine too busy to run its clients)', async () => {
    await drainHits();
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      requestArrived(i % 2 === 0 ? b : a);
      keepPolling(i % 2 === 0 ? b : a);
      expect(isPolling()).to.equal(false);
    }
  });

  it('a polling turn that comes late (the thread was held up: no CPU to spare) stops the polling and the count starts afresh', async () => {
    await pollingStops();
    alternateUntilPolling();
    expect(isPolling()).to.equal(true);
    const heldUntil = performance.now() + 2; // this turn runs 2 ms: the next polling turn is late
    while (performance.now() < heldUntil);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isPolling()).to.equal(false);
    keepPolling(a); // the hits were cleared: a reply alone does not start it again
    expect(isPolling()).to.equal(false);
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
