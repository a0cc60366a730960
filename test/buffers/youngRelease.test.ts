// Large buffers handed out to callers: a young-generation collection follows every few MiB of them,
// so that those the caller let go are freed before V8 would run a full collection for them.
import { expect } from 'chai';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { YOUNG_RELEASE_BYTES, noteBufferHandedOut } from '../../lib/buffers/youngRelease.js';
import { Codec } from '../../lib/codec/codec.js';

/** Young-generation collections seen while `during` runs, and for a moment after. */
async function youngCollections(during: () => Promise<void>): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await during();
    await new Promise((resolve) => setTimeout(resolve, 50)); // entries are delivered asynchronously
  } finally {
    observer.disconnect();
  }
  return count;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('buffers: young collections after large buffers handed out', () => {
  it('runs a young collection once YOUNG_RELEASE_BYTES have been handed out, after the turn', async () => {
    const seen = await youngCollections(async () => {
      noteBufferHandedOut(YOUNG_RELEASE_BYTES);
      await nextTurn();
      await nextTurn();
    });
    expect(seen).to.be.greaterThan(0);
  });

  it('counts the bin values decodeOwned hands out as views into their message', async () => {
    const codec = new Codec();
    const message = Uint8Array.from(codec.encode([1, new Uint8Array(YOUNG_RELEASE_BYTES)]));
    const seen = await youngCollections(async () => {
      const value = codec.decodeOwned(message) as [number, Uint8Array];
      expect(value[1].buffer).to.equal(message.buffer); // a view, not a copy: the caller's now
      await nextTurn();
      await nextTurn();
    });
    expect(seen).to.be.greaterThan(0);
  });
});

describe('buffers: the collector, and the switch that turns it off', function () {
  this.timeout(30_000);
  const collectorUrl = new URL('../../lib/buffers/collector.ts', import.meta.url).href;
  /** What collector() returns in a fresh process with `env` added to the environment. */
  async function collectorIn(env: Record<string, string>): Promise<string> {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const script = `const { collector } = await import(${JSON.stringify(collectorUrl)}); console.log(typeof collector());`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env } });
    return stdout.trim();
  }

  it("finds V8's collector without --expose-gc", async () => {
    expect(await collectorIn({})).to.equal('function');
  });

  it('MPMANAGERS_COLLECT_GARBAGE=0: none, so the library never collects by itself', async () => {
    expect(await collectorIn({ MPMANAGERS_COLLECT_GARBAGE: '0' })).to.equal('undefined');
  });
});

describe('buffers: the memory of values freed young is reused, not faulted in afresh', function () {
  this.timeout(60_000);
  const youngReleaseUrl = new URL('../../lib/buffers/youngRelease.ts', import.meta.url).href;

  it('1 MiB values handed out and dropped, as a client getting them: few page faults per value (glibc would otherwise give each batch back)', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    // A fresh process (the C library's thresholds as a new program has them): values of a 1 MiB
    // get's size, each written in full (as a socket's reads fill it), handed out, dropped.
    const script = `
      const { noteBufferHandedOut, allocatorPrimed } = await import(${JSON.stringify(youngReleaseUrl)});
      const value = () => { const b = Buffer.allocUnsafeSlow(1048587); b.fill(1); noteBufferHandedOut(b.length); };
      for (let i = 0; i < 48; i++) { value(); await new Promise((r) => setImmediate(r)); }
      const before = process.resourceUsage().minorPageFault;
      for (let i = 0; i < 320; i++) { value(); await new Promise((r) => setImmediate(r)); }
      console.log(JSON.stringify({ primed: allocatorPrimed(), faults: (process.resourceUsage().minorPageFault - before) / 320 }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const { primed, faults } = JSON.parse(stdout.trim()) as { primed: boolean; faults: number };
    expect(primed).to.equal(true);
    // A value is 257 pages: faulting each in afresh would be ~257 per value.
    expect(faults, 'page faults per 1 MiB value').to.be.below(32);
  });
});
