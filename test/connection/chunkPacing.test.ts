// How a sender paces the chunks of a large message (docs/protocol.md §1.1): the whole window when the
// message goes alone, one chunk at a time while other messages flow beside it (so a small message
// waits in the kernel behind at most one chunk), and always all of a message's end, which a receiver
// acknowledges only once complete. A FrameWriter on a real loopback socket whose peer only collects
// the bytes and acknowledges nothing unless the test says so.
import { expect } from 'chai';
import net from 'node:net';
import { once } from 'node:events';
import { FrameWriter } from '../../lib/connection/frameWriter.js';
import { CHUNK_DATA_SIZE, CHUNK_FIRST, CHUNK_MARKER, FIRST_CHUNK_PREFIX, NEXT_CHUNK_PREFIX } from '../../lib/connection/chunks.js';

const KiB = 1024;

interface Pair {
  writer: FrameWriter;
  /** Chunk data bytes and other frames received so far (whole frames only). */
  received(): { chunkData: number; others: number };
  close(): Promise<void>;
}

async function pair(): Promise<Pair> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const sender = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(sender, 'connect');
  const [receiver] = await accepted;
  const chunks: Buffer[] = [];
  receiver.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = new FrameWriter(sender, { remoteLabel: 'test peer' });
  writer.chunking = true;
  return {
    writer,
    received() {
      const bytes = Buffer.concat(chunks);
      let at = 0;
      let chunkData = 0;
      let others = 0;
      while (at + 4 <= bytes.length) {
        const length = bytes.readInt32BE(at);
        if (at + 4 + length > bytes.length) break;
        const payload = bytes.subarray(at + 4, at + 4 + length);
        if (payload[0] === CHUNK_MARKER) chunkData += length - (payload[1] === CHUNK_FIRST ? FIRST_CHUNK_PREFIX : NEXT_CHUNK_PREFIX);
        else others++;
        at += 4 + length;
      }
      return { chunkData, others };
    },
    async close() {
      writer.discard();
      sender.destroy();
      receiver.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the bytes received stop changing (nothing more will come without acknowledgements). */
async function settled(p: Pair): Promise<{ chunkData: number; others: number }> {
  let last = JSON.stringify(p.received());
  for (let quiet = 0; quiet < 3; ) {
    await sleep(30);
    const now = JSON.stringify(p.received());
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return p.received();
}

/** A small message (a msgpack array), as a reply would be. */
const small = Uint8Array.from([0x92, 0x01, 0x02]);

/** Writes `count` small messages turn after turn, as replies to a sequence of small calls would be. */
async function smallOnesFlow(p: Pair, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    p.writer.write(small, true);
    await turn();
  }
}

describe('connection: pacing the chunks of a large message', function () {
  this.timeout(20_000);
  let p: Pair | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it('alone, a large message has the whole window out unacknowledged (two chunks)', async () => {
    p = await pair();
    p.writer.write(new Uint8Array(2048 * KiB).fill(1), false);
    expect((await settled(p)).chunkData).to.equal(2 * CHUNK_DATA_SIZE);
  });

  it('while other messages flow beside it, one chunk at a time, and the next once it is acknowledged', async () => {
    p = await pair();
    p.writer.write(new Uint8Array(2048 * KiB).fill(2), false);
    await smallOnesFlow(p, 50);
    let seen = p.received();
    for (let i = 0; i < 20 && seen.others < 50; i++) {
      await sleep(10);
      seen = p.received();
    }
    expect(seen.others).to.equal(50);
    expect(seen.chunkData, 'chunk data out with small messages flowing').to.equal(CHUNK_DATA_SIZE);
    p.writer.write(small, true);
    p.writer.acknowledged(CHUNK_DATA_SIZE);
    expect((await settled(p)).chunkData).to.equal(2 * CHUNK_DATA_SIZE);
  });

  it("near a message's end, all of it goes out even while others flow: its receiver acknowledges it only once complete", async () => {
    p = await pair();
    // 400 KiB: a first chunk of 256 KiB and a last of 144 KiB, both within the window, so a receiver
    // withholds its acknowledgement of the first until the last has come (docs/protocol.md §1.1).
    p.writer.write(new Uint8Array(400 * KiB).fill(3), false);
    await smallOnesFlow(p, 20);
    expect((await settled(p)).chunkData).to.equal(400 * KiB);
  });
});
