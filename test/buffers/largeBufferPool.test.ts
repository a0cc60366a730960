// The pool of large buffers: what it lends, what it takes back, and that messages sent from pooled
// buffers arrive intact however many are in flight (a buffer given back too early would corrupt them).
import { expect } from 'chai';
import { LargeBufferPool, largeBuffers } from '../../lib/buffers/largeBufferPool.js';
import { SyncManager } from '../../lib/manager/syncManager.js';
import { serve, type Served } from '../helpers/servers.js';

const MiB = 1024 * 1024;

describe('buffers: the pool of large buffers', () => {
  it('lends a buffer of at least the size asked, and lends it again once given back', () => {
    const pool = new LargeBufferPool();
    const first = pool.take(MiB);
    expect(first.byteLength).to.equal(MiB);
    expect(pool.lends(first)).to.equal(true);
    pool.give(first);
    expect(pool.lends(first)).to.equal(false);
    expect(pool.idleByteCount).to.equal(MiB);
    expect(pool.take(MiB - 10)).to.equal(first);
    expect(pool.idleByteCount).to.equal(0);
    pool.clear();
  });

  it('takes back only what it lent, and only once', () => {
    const pool = new LargeBufferPool();
    pool.give(new ArrayBuffer(MiB));
    expect(pool.idleByteCount).to.equal(0);
    const lent = pool.take(MiB);
    pool.give(lent);
    pool.give(lent);
    expect(pool.idleByteCount).to.equal(MiB);
    const a = pool.take(MiB);
    const b = pool.take(MiB);
    expect(a).to.equal(lent);
    expect(b).to.not.equal(lent);
    pool.clear();
  });

  it('does not lend a buffer more than twice the size asked, nor keep more than maxIdleBytes', () => {
    const pool = new LargeBufferPool({ maxIdleBytes: 3 * MiB });
    const big = pool.take(2 * MiB);
    pool.give(big);
    expect(pool.take(MiB / 2)).to.not.equal(big);
    const two = [pool.take(MiB), pool.take(MiB)];
    for (const buffer of two) pool.give(buffer);
    expect(pool.idleByteCount).to.equal(3 * MiB); // the second 1 MiB buffer did not fit
    pool.clear();
    expect(pool.idleByteCount).to.equal(0);
  });

  it('lets its idle buffers go once unused for idleReleaseMs', async () => {
    const pool = new LargeBufferPool({ idleReleaseMs: 20 });
    pool.give(pool.take(MiB));
    expect(pool.idleByteCount).to.equal(MiB);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(pool.idleByteCount).to.equal(0);
  });

  describe('large messages through a server', () => {
    let served: Served<SyncManager>;
    afterEach(() => served?.close());

    it('large replies (written from the stored values, in chunks) arrive intact, 64 in flight over two connections', async () => {
      served = await serve(SyncManager);
      const [a, b] = [await served.client(), await served.client()];
      const blobs = await a.dict<string, Uint8Array>();
      const patterns = [1, 2, 3, 4];
      for (const p of patterns) await blobs.set(`k${p}`, new Uint8Array(MiB + p * 4096).fill(p));
      const other = await b.dict<string, Uint8Array>(); // the same dict, through the second connection
      await other.update(await blobs.copy()); // a large message the other way too
      largeBuffers.clear();
      const gets = Array.from({ length: 64 }, (_, i) => {
        const p = patterns[i % patterns.length];
        return ((i & 1 ? blobs : other)).get(`k${p}`).then((value) => ({ p, value }));
      });
      for (const { p, value } of await Promise.all(gets)) {
        expect(value!.length).to.equal(MiB + p * 4096);
        expect(value!.every((byte) => byte === p), `blob k${p} corrupted`).to.equal(true);
      }
      // Large Uint8Arrays are no longer copied into pooled buffers to be sent (Codec.encodeForSend):
      // nothing was taken from the pool, and nothing is left lent.
      expect(largeBuffers.idleByteCount).to.equal(0);
    });

    it('a message received in chunks goes back to the pool once decoded, unless a value is a view into it', async () => {
      served = await serve(SyncManager);
      const client = await served.client();
      const d = await client.dict<string, unknown>();
      largeBuffers.clear();
      // ~600 KiB of small numbers: nothing decoded from it is a view, so its buffer goes back.
      const numbers = Array.from({ length: 120_000 }, (_, i) => i * 1000);
      await d.set('numbers', numbers);
      expect(largeBuffers.idleByteCount, 'the received message went back to the pool').to.be.above(500 * 1024);
      // A large bin stays a view into its message: that buffer must never be lent again, or the
      // messages after it, received into it, would overwrite the stored value.
      const blob = new Uint8Array(700 * 1024).map((_, i) => (i * 7) & 0xff);
      await d.set('blob', blob);
      for (let i = 0; i < 4; i++) await d.set(`other${i}`, new Uint8Array(700 * 1024).fill(0xee));
      await d.set('numbers2', numbers);
      const back = (await d.get('blob')) as Uint8Array;
      expect(Buffer.compare(Buffer.from(back), Buffer.from(blob)), 'the stored value was overwritten').to.equal(0);
      expect(await d.get('numbers2')).to.deep.equal(numbers);
    });
  });
});
