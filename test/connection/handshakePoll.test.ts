// The handshake's polling (lib/connection/handshakePoll.ts): while a handshake step waits for its
// peer, the event loop polls for at most WAIT_CAP_MS instead of sleeping, only when the machine has
// a CPU to spare, stops when a turn comes late, and backs off when the thread was preempted.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  BACKOFF_MS,
  isPolling,
  lastStopReason,
  pollingTurns,
  setSpareCpuProbe,
  waitEnded,
  waitStarted,
} from '../../lib/connection/handshakePoll.js';
import { runQueueWaitMs } from '../../lib/connection/cpuLoad.js';
import { AUTHKEY, closeAll, connect, listen, nextConnection } from './helpers.js';

/** Resolves once the loop has stopped polling; rejects if it still polls after `ms`. */
async function pollingStops(ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (isPolling()) {
    if (Date.now() > deadline) throw new Error(`still polling after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Holds this thread for `ms` using the CPU, or asleep (without it). */
const busyFor = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sleepFor = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('connection: polling while a handshake waits for its peer', function () {
  this.timeout(30_000);

  beforeEach(async () => {
    setSpareCpuProbe(() => true); // as on an idle machine, whatever else runs beside these tests
    await sleep(BACKOFF_MS + 5); // past any backoff an earlier test left
    await pollingStops();
  });
  afterEach(async () => {
    setSpareCpuProbe(undefined);
    await closeAll();
    await pollingStops();
  });

  it('a wait that never ends polls for a moment, then the loop sleeps: at most the cap per wait', async () => {
    // Tried again if a turn came late (this thread was held up), which ends a poll early.
    for (let attempt = 0; ; attempt++) {
      const before = pollingTurns();
      waitStarted();
      try {
        expect(isPolling()).to.equal(true);
        await pollingStops(); // with the wait still on: stopped by the cap (WAIT_CAP_MS)
      } finally {
        waitEnded();
      }
      if (pollingTurns() > before && lastStopReason() === 'cap') break;
      if (attempt === 20) throw new Error(`no poll ended by the cap in 20 attempts (the last: ${lastStopReason()})`);
      await sleep(BACKOFF_MS + 5);
    }
  });

  it('stops at once when no wait is left, before the cap', async () => {
    waitStarted();
    expect(isPolling()).to.equal(true);
    waitEnded();
    await turn();
    await turn();
    expect(isPolling()).to.equal(false);
    expect(lastStopReason()).to.not.equal('cap'); // 'no wait' (or a late turn, on a busy machine)
  });

  it('never polls when the machine has no CPU to spare, and stops when it no longer has one', async () => {
    setSpareCpuProbe(() => false);
    waitStarted();
    try {
      expect(isPolling()).to.equal(false);
    } finally {
      waitEnded();
    }
    // Looked at again every few turns: the poll ends long before the cap. Tried again if the cap or a
    // late turn (this thread held up) ended it first.
    for (let attempt = 0; ; attempt++) {
      let spare = true;
      setSpareCpuProbe(() => spare);
      waitStarted();
      try {
        expect(isPolling()).to.equal(true);
        spare = false;
        await pollingStops();
      } finally {
        waitEnded();
      }
      if (lastStopReason() === 'no spare CPU') break;
      if (attempt === 20) throw new Error(`no poll ended for want of a CPU in 20 attempts (the last: ${lastStopReason()})`);
      await sleep(BACKOFF_MS + 5);
    }
  });

  it('a late turn because this thread waited for a CPU (preempted) stops the polling and keeps it off for a while', async () => {
    // A busy loop per CPU beside this thread: it has to wait its turn for one (real preemption).
    const hogs = Array.from({ length: os.availableParallelism() }, () =>
      spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }),
    );
    try {
      // One poll kept going (each new wait pushes its end on) until a turn comes late. Tried again
      // if that was not for want of a CPU (this process's own work, a collection).
      const giveUp = performance.now() + 15_000;
      for (;;) {
        await sleep(BACKOFF_MS + 5);
        waitStarted();
        try {
          expect(isPolling()).to.equal(true);
          const end = performance.now() + 500;
          while (isPolling() && performance.now() < end) {
            waitStarted(); // pushes the poll's end on
            waitEnded();
            await turn();
          }
        } finally {
          waitEnded();
        }
        if (lastStopReason() === 'preempted') break;
        if (performance.now() > giveUp) throw new Error(`never preempted (the last stop: ${lastStopReason()})`);
      }
      waitStarted(); // within the backoff: a new wait does not poll
      try {
        expect(isPolling()).to.equal(false);
      } finally {
        waitEnded();
      }
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
    }
    await sleep(BACKOFF_MS + 5);
    waitStarted(); // after it, it does
    try {
      expect(isPolling()).to.equal(true);
    } finally {
      waitEnded();
    }
  });

  it("a late turn for any other reason (this process's own work, a blocking call) ends that poll only: the next wait polls again", async () => {
    // 3 ms of CPU in one callback, then 3 ms asleep in another. Tried again if this thread also
    // waited for a CPU meanwhile (the machine is shared): that would rightly count as preemption.
    for (const hold of [busyFor, sleepFor]) {
      for (let attempt = 0; ; attempt++) {
        waitStarted();
        let preempted: boolean;
        try {
          expect(isPolling()).to.equal(true);
          const waitedBefore = runQueueWaitMs()!;
          hold(3);
          await turn();
          await turn();
          expect(isPolling()).to.equal(false);
          preempted = runQueueWaitMs()! - waitedBefore > 0.25;
          if (!preempted) expect(lastStopReason()).to.equal('late');
        } finally {
          waitEnded();
        }
        if (!preempted) break;
        if (attempt === 20) throw new Error('this thread was preempted in every attempt');
        await sleep(BACKOFF_MS + 5);
      }
      waitStarted();
      try {
        expect(isPolling()).to.equal(true);
      } finally {
        waitEnded();
      }
    }
  });

  it('a real connect polls while the handshake waits, both ends come up, and the polling ends with it', async () => {
    const listener = await listen();
    // Several connects, in case this thread was held up in every wait of one (a late turn ends a
    // poll, and one found preempted keeps waits from polling for BACKOFF_MS: waited out between tries).
    const before = pollingTurns();
    for (let i = 0; i < 20 && pollingTurns() === before; i++) {
      if (i > 0) await sleep(BACKOFF_MS + 5);
      const accepted = nextConnection(listener);
      const client = await connect(listener);
      const server = await accepted;
      client.send(Buffer.from('ping'));
      const got = await new Promise<Buffer>((resolve) => (server.onFrame = resolve));
      expect(got.toString()).to.equal('ping');
    }
    expect(pollingTurns()).to.be.greaterThan(before);
    await pollingStops(); // no wait left: the loop sleeps again
  });

  it('a failed handshake leaves no wait behind (the loop does not keep polling)', async () => {
    const listener = await listen();
    const failed = new Promise<void>((resolve) => (listener.onAuthFailure = () => resolve()));
    const error = await connect(listener, { authkey: `${AUTHKEY}-wrong` }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).to.equal('AuthenticationError');
    await failed;
    await pollingStops();
    // Were a wait still counted, this one would push the polling on past its end.
    waitStarted();
    waitEnded();
    await turn();
    await turn();
    expect(isPolling()).to.equal(false);
  });
});
