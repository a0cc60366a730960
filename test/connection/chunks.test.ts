// Large messages in chunks and limits said both ways (docs/protocol.md §1.1, §3.1), through a real
// server and real clients: a small call is not held behind a 32 MiB transfer in either direction,
// an argument or a reply over the receiver's limit is refused with LimitError and the connection
// and its other calls live on, and a peer announcing an oversize chunked message is cut off.
import { expect } from 'chai';
import { SyncManager, LimitError } from '../../lib/index.js';
import type { Connection } from '../../lib/connection/connection.js';
import { CHUNK_MARKER, CHUNK_FIRST, chunkAck } from '../../lib/connection/chunks.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';
import { decode } from '@msgpack/msgpack';
import { Codec } from '../../lib/codec/codec.js';
import { GatheredMessage } from '../../lib/buffers/gatheredMessage.js';

const MiB = 1024 * 1024;

/** The connection a client manager calls through. */
function connectionOf(manager: SyncManager): Connection {
  return (manager as unknown as { session: { connection: Connection } }).session.connection;
}

/** Resolves once `predicate` holds, checking after every event-loop turn. */
async function untilTurn(predicate: () => boolean, turns = 1_000_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** Records when `promise` settles, so that an ordering can be asserted. */
function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { done: () => settled, promise: tracked };
}

describe('connection: chunked messages and limits both ways', function () {
  this.timeout(60_000);
  let served: Served<SyncManager> | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('each side learns the other one\'s limit after the handshake', async () => {
    served = await serve(SyncManager, { maxFrameSize: 3 * MiB });
    const client = await served.client({ maxFrameSize: 2 * MiB });
    const connection = connectionOf(client);
    expect(connection.peerMaxFrameSize).to.equal(3 * MiB);
    expect(connection.maxFrameSize).to.equal(2 * MiB);
  });

  it('an argument over the server limit (64 MiB + 1) rejects LimitError at once; the connection and the other calls live on', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const connection = connectionOf(client);
    const d = await client.dict<string, unknown>();
    const q = await client.Queue<string>();
    const waiting = q.get(); // a call pending on the same connection throughout
    const error = await d.set('v', new Uint8Array(64 * MiB + 1)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).to.be.instanceOf(LimitError);
    expect((error as LimitError).limit).to.equal('maxFrameSize');
    expect(error!.message).to.include(String(64 * MiB)).and.to.match(/takes \d+ bytes/);
    expect(connection.closed).to.equal(false);
    await q.put('still here');
    expect(await waiting).to.equal('still here');
    await d.set('small', 1);
    expect(await d.get('small')).to.equal(1);
    expect(connectionOf(client)).to.equal(connection);
  });

  it('a reply over the client limit becomes a LimitError reply; the connection lives on', async () => {
    served = await serve(SyncManager);
    const client = await served.client({ maxFrameSize: MiB });
    const d = await client.dict<string, unknown>();
    await d.set('big', new Uint8Array(2 * MiB)); // the server takes it
    const error = await d.get('big').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).to.be.instanceOf(LimitError);
    expect(error!.message).to.include(String(MiB));
    expect(await d.get('missing', 7)).to.equal(7);
    expect(connectionOf(client).closed).to.equal(false);
  });

  it('a small call completes while a 32 MiB reply is still arriving on the same connection', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const connection = connectionOf(client);
    const big = await client.dict<string, Uint8Array>();
    const small = await client.dict<string, number>();
    const value = new Uint8Array(32 * MiB).fill(7);
    await big.set('v', value);
    await small.set('k', 1);
    const transfer = track(big.get('v'));
    await untilTurn(() => connection.chunkedBytesReceived > 0);
    expect(await small.get('k')).to.equal(1);
    expect(transfer.done(), 'the 32 MiB reply had already arrived').to.equal(false);
    const received = (await transfer.promise)!;
    expect(received.length).to.equal(32 * MiB);
    expect(received[0]).to.equal(7);
    expect(received[32 * MiB - 1]).to.equal(7);
  });

  it('a small call completes while a 32 MiB argument is still being sent on the same connection', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const connection = connectionOf(client);
    const big = await client.dict<string, Uint8Array>();
    const small = await client.dict<string, number>();
    await small.set('k', 2);
    const transfer = track(big.set('v', new Uint8Array(32 * MiB).fill(9)));
    await untilTurn(() => connection.chunkedBytesToSend > 0 && connection.chunkedBytesToSend < 31 * MiB);
    expect(await small.get('k')).to.equal(2);
    expect(transfer.done(), 'the 32 MiB argument had already been taken').to.equal(false);
    await transfer.promise;
    const back = (await big.get('v'))!;
    expect(back.length).to.equal(32 * MiB);
    expect(back[12345]).to.equal(9);
  });

  it('a decref does not overtake a request still going out in chunks that names the object', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const d = await client.dict<string, Uint8Array>();
    const other = await client.dict<string, Uint8Array>();
    const setting = d.set('v', new Uint8Array(8 * MiB));
    const passing = other.set('x', new Uint8Array(4 * MiB)); // a proxy argument in a chunked request
    const holder = await client.list<unknown>();
    const storing = holder.append(other);
    await Promise.all([d._release(), other._release()]); // sent while the requests are still in chunks
    await setting;
    await passing;
    await storing;
    expect(await holder.length()).to.equal(1);
  });

  it('large replies past the server\'s reply backlog (it stops reading) all arrive: its reading pause does not stop acknowledgements', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const d = await client.dict<string, Uint8Array>();
    await d.set('v', new Uint8Array(3 * MiB).fill(4));
    // 72 MiB of replies, asked for a few at a time, so that some arrive while others wait for acks.
    const pending: Promise<Uint8Array | null>[] = [];
    for (let i = 0; i < 24; i++) {
      pending.push(d.get('v'));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const gets = await Promise.all(pending);
    for (const value of gets) expect(value![3 * MiB - 1]).to.equal(4);
  });

  it('many large and small calls interleaved both ways all complete with the right values', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const d = await client.dict<string, unknown>();
    const sizes = [300 * 1024, 1, 3 * MiB, 10, 700 * 1024 + 3, 256 * 1024 + 1, 5 * MiB];
    await Promise.all(sizes.map((n, i) => d.set(`k${i}`, new Uint8Array(n).fill(i + 1))));
    const back = (await Promise.all(sizes.map((_, i) => d.get(`k${i}`)))) as Uint8Array[];
    back.forEach((b, i) => {
      expect(b.length).to.equal(sizes[i]);
      expect(b[b.length - 1]).to.equal(i + 1);
    });
  });

  it('large replies read straight into their messages come out byte for byte, with small calls between them', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const d = await client.dict<string, unknown>();
    // Sizes that end mid-chunk and mid-read; contents that differ byte to byte, so that a byte read
    // to the wrong place in its message shows.
    const sizes = [5 * MiB + 12345, 256 * 1024 + 7, 2 * MiB - 1];
    const values = sizes.map((n, i) => {
      const bytes = new Uint8Array(n);
      let x = 0x9e3779b9 ^ i;
      for (let j = 0; j < n; j++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        bytes[j] = x >>> 24;
      }
      return bytes;
    });
    await Promise.all(values.map((v, i) => d.set(`k${i}`, v)));
    await d.set('small', 'x');
    for (let round = 0; round < 3; round++) {
      const gets = values.map((_, i) => d.get(`k${i}`));
      const smalls = Array.from({ length: 20 }, () => d.get('small'));
      const back = (await Promise.all(gets)) as Uint8Array[];
      expect(await Promise.all(smalls)).to.deep.equal(Array(20).fill('x'));
      back.forEach((b, i) => expect(Buffer.compare(Buffer.from(b), Buffer.from(values[i])), `value ${i}`).to.equal(0));
    }
  });

  it('a receiver acknowledges chunks by half windows, not one by one, and the sender never stalls', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const socket = connectionOf(client).socket;
    const d = await client.dict<string, Uint8Array>();
    await d.set('v', new Uint8Array(8 * MiB + 1).fill(6));
    await d.set('w', new Uint8Array(1).fill(6));
    const request = socket.bytesWritten;
    await d.get('w'); // a get of the same size, whose reply is not chunked
    await new Promise((resolve) => setImmediate(resolve));
    const before = socket.bytesWritten;
    const requestBytes = before - request;
    const value = (await d.get('v'))!;
    expect(value[8 * MiB]).to.equal(6);
    await new Promise((resolve) => setImmediate(resolve)); // the last acknowledgement leaves at the end of its turn
    // 32 chunks of 256 KiB (the last also carries the bytes past 8 MiB), acknowledged per half
    // window (256 KiB: a 10-byte frame each), except the 31st: its 256 KiB unacknowledged and the
    // 256 KiB still missing fit in what the sender lets out (the 512 KiB window and a 16 KiB tail),
    // so the end's acknowledgement covers both: 31 frames, not 32.
    const acks = socket.bytesWritten - before - requestBytes;
    expect(acks, `${acks} bytes of acknowledgements`).to.equal(31 * 10);
  });

  it('a 1 MiB value costs three acknowledgements, not four: the third chunk is covered by the end', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const socket = connectionOf(client).socket;
    const d = await client.dict<string, Uint8Array>();
    await d.set('v', new Uint8Array(MiB).fill(8));
    await d.set('w', new Uint8Array(1).fill(8));
    const written = async (key: string): Promise<number> => {
      const before = socket.bytesWritten;
      await d.get(key);
      await new Promise((resolve) => setImmediate(resolve)); // the acknowledgement leaves at the end of its turn
      return socket.bytesWritten - before;
    };
    const request = await written('w'); // the same request, whose reply is not chunked
    // Four 256 KiB chunks: acknowledged after the first and the second (what is unacknowledged and
    // what is missing exceed the 512 KiB window and its tail), not after the third (256 KiB of each
    // fit), and at the end: three 10-byte frames.
    for (let i = 0; i < 3; i++) expect((await written('v')) - request, `get ${i}: acknowledgement bytes`).to.equal(30);
  });

  it('a 1 MiB value comes back in four chunks, its envelope in the last one, not a fifth', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const socket = connectionOf(client).socket;
    const d = await client.dict<string, Uint8Array>();
    await d.set('v', new Uint8Array(MiB).fill(7));
    await d.set('w', new Uint8Array(1).fill(7));
    const readBy = async (key: string): Promise<number> => {
      const before = socket.bytesRead;
      await d.get(key);
      return socket.bytesRead - before;
    };
    // The same envelope around a bin 8 of 1 byte (2-byte header, one 4-byte frame header) and around
    // a bin 32 of 1 MiB (5-byte header) in chunk frames: what is left is the chunk frames' own bytes.
    const whole = (await readBy('w')) - 1 - 2 - 4;
    const chunked = (await readBy('v')) - MiB - 5;
    expect(chunked - whole, 'chunk frame headers and prefixes').to.equal(4 + 6 + 3 * (4 + 2));
  });

  it('a client that did not say it takes chunks (an older one) gets a large reply as one whole frame', async () => {
    served = await serve(SyncManager);
    const client = await served.client();
    const d = await client.dict<string, Uint8Array>();
    await d.set('v', new Uint8Array(3 * MiB).fill(5));
    const raw = await RawClient.authenticated(served.address, served.authkey);
    raw.sendMessage([0, 1, d._token.id, '__getitem__', ['v'], null]);
    const reply = decode(await raw.readFrame()) as [number, number, number, Uint8Array];
    expect(reply.slice(0, 3)).to.deep.equal([1, 1, 0]);
    expect(reply[3].length).to.equal(3 * MiB);
    expect(reply[3][3 * MiB - 1]).to.equal(5);
    raw.close();
  });

  it('encodeForSend leaves large Uint8Arrays out of the copy; the parts make the same message', () => {
    const codec = new Codec({ toWire: () => undefined, fromWire: () => undefined });
    const big = new Uint8Array(300 * 1024).fill(3);
    const message = [0, 1, 'id', 'set', ['k', big, 'tail', new Uint8Array(10), big], null];
    const gathered = codec.encodeForSend(message);
    expect(gathered).to.be.instanceOf(GatheredMessage);
    const parts = (gathered as GatheredMessage).parts;
    expect(parts.filter((p) => p === big)).to.have.length(2); // the caller's own array, not a copy
    expect(Buffer.from((gathered as GatheredMessage).concat()).equals(Buffer.from(codec.encode(message)))).to.equal(true);
    expect(codec.encodeForSend([1, 2, 'small'])).to.be.instanceOf(Uint8Array);
  });

  it('a peer acknowledging chunk bytes it was never sent is cut off; others are served', async () => {
    served = await serve(SyncManager);
    const raw = await RawClient.authenticated(served.address, served.authkey);
    raw.sendFrame(chunkAck(4096));
    await raw.closedPromise;
    const other = await served.client();
    expect(await (await other.list([2]))._getValue()).to.deep.equal([2]);
  });

  it('a peer announcing a chunked message over the limit is cut off before anything is allocated; others are served', async () => {
    served = await serve(SyncManager);
    const raw = await RawClient.authenticated(served.address, served.authkey);
    const first = Buffer.alloc(4 + 6 + 16);
    first.writeInt32BE(6 + 16, 0);
    first[4] = CHUNK_MARKER;
    first[5] = CHUNK_FIRST;
    first.writeUInt32BE(0xfffffff0, 6); // 4 GiB: allocating it would fail or take the machine
    raw.socket.write(first);
    await new Promise<void>((resolve) => {
      if (raw.closed) resolve();
      else raw.socket.once('close', () => resolve());
    });
    const other = await served.client();
    const list = await other.list([1]);
    expect(await list._getValue()).to.deep.equal([1]);
  });
});
