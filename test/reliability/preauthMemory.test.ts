// A peer without the key must not make the server buffer large frames (SECURITY.md, "An
// unauthenticated peer costs little"). The server runs in a child process so that its memory is
// its own: each test reads the child's peak RSS (VmHWM in /proc/<pid>/status) before and after an
// attack that announces a 64 MiB frame right behind the three handshake frames, then streams the
// 64 MiB. A server that lifted its frame limit before checking the key buffered all of it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { Child, killAll } from './helpers.js';
import { RawClient } from '../helpers/raw.js';
import { SyncManager } from '../../lib/index.js';
import { decode, encode } from '@msgpack/msgpack';

const AUTHKEY = 'preauth-memory-key';
const MiB = 1024 * 1024;
/** What the attacker announces and then streams. */
const ANNOUNCED = 64 * MiB;
/** Attacks run at once in each test: a server that buffers them grows by ANNOUNCED each. */
const PARALLEL = 2;
/**
 * Bound on the server's peak-RSS growth through one test's attacks. Allocation noise from a few
 * connections is a few MiB; one buffered attack is 64 MiB.
 */
const MAX_GROWTH = 32 * MiB;
/**
 * Bound on what one attacker gets the server to accept, read or not. A server that stops reading
 * leaves only what the kernel's socket buffers hold (a few MiB on loopback); one that keeps
 * reading takes all 64 MiB.
 */
const MAX_ACCEPTED = 32 * MiB;

function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(length);
  return bytes;
}

/** The peak and current resident set of process `pid`, in bytes. */
function memoryOf(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(name))!)![1]) * 1024;
  return { hwm: field('VmHWM:'), rss: field('VmRSS:') };
}

/**
 * Streams up to ANNOUNCED bytes of body after the header, as fast as the server takes them, and
 * stops when the server hangs up. Returns the bytes the socket accepted.
 */
async function streamBody(raw: RawClient): Promise<number> {
  const block = Buffer.alloc(MiB);
  let accepted = 0;
  for (let sent = 0; sent < ANNOUNCED && !raw.closed; sent += block.length) {
    const more = raw.socket.write(block, (error) => {
      if (!error) accepted += block.length;
    });
    if (!more) {
      await Promise.race([new Promise((resolve) => raw.socket.once('drain', resolve)), raw.closedPromise]);
    }
  }
  // Writes still queued settle (or fail) once the socket is flushed or gone.
  await Promise.race([new Promise<void>((resolve) => raw.socket.end(resolve)), raw.closedPromise]);
  return accepted;
}

/** The frames a key holder's first two steps take: a correct answer, and a challenge of its own. */
function correctAnswer(challenge: Buffer): Buffer {
  const message = challenge.subarray('#CHALLENGE#'.length);
  return Buffer.concat([Buffer.from('{sha256}'), createHmac('sha256', AUTHKEY).update(message).digest()]);
}

describe('reliability/an unauthenticated peer cannot make the server buffer a large frame', function () {
  this.timeout(60_000);
  const children: Child[] = [];
  let server: Child;
  let address: [string, number];

  beforeEach(async () => {
    server = new Child('server.ts', { options: { handshakeTimeout: 10 } }, { MPM_TEST_AUTHKEY: AUTHKEY });
    children.push(server);
    address = await server.line('listening ');
  });
  afterEach(() => killAll(children));

  /**
   * Runs PARALLEL attacks, each: `opening` (after the challenge) then the body stream. Checks each
   * was dropped having had little accepted, that the server's peak RSS grew by less than one
   * buffered frame, and that a client with the key is still served.
   */
  async function expectBounded(opening: (raw: RawClient, challenge: Buffer) => Promise<void>): Promise<void> {
    const before = memoryOf(server.pid);
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        const raw = await RawClient.connect(address, { allowHalfOpen: true });
        try {
          const challenge = await raw.readFrame();
          const start = performance.now();
          await opening(raw, challenge);
          const accepted = await streamBody(raw);
          await raw.closedPromise;
          // Hung up by the failed handshake, not by the 10 s handshake timeout (generous bound).
          expect((performance.now() - start) / 1000, 'seconds until the server hung up').to.be.below(5);
          return accepted;
        } finally {
          raw.close();
        }
      }),
    );
    const after = memoryOf(server.pid);
    for (const accepted of results) expect(accepted, 'bytes of the 64 MiB body the server took').to.be.below(MAX_ACCEPTED);
    expect(after.hwm - before.hwm, `server peak RSS growth (before ${before.hwm >> 20} MiB)`).to.be.below(MAX_GROWTH);
    const client = new SyncManager({ address, authkey: AUTHKEY });
    await client.connect();
    try {
      const list = await client.list([1, 2]);
      expect(await list.length()).to.equal(2);
    } finally {
      await client.close();
    }
  }

  it('a wrong answer, two empty frames and a 64 MiB header in one write', async () => {
    await expectBounded(async (raw) => {
      raw.sendRaw(Buffer.concat([frame(Buffer.alloc(40)), frame(Buffer.alloc(0)), frame(Buffer.alloc(0)), header(ANNOUNCED)]));
    });
  });

  it('a wrong answer and two empty frames in one write, the 64 MiB header after the verdict', async () => {
    await expectBounded(async (raw) => {
      raw.sendRaw(Buffer.concat([frame(Buffer.alloc(40)), frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]));
      expect((await raw.readFrame()).toString()).to.equal('#FAILURE#');
      raw.sendRaw(header(ANNOUNCED));
    });
  });

  it('each frame in a write of its own, then the 64 MiB header', async () => {
    await expectBounded(async (raw) => {
      raw.sendRaw(frame(Buffer.alloc(40)));
      raw.sendRaw(frame(Buffer.alloc(0)));
      raw.sendRaw(frame(Buffer.alloc(0)));
      raw.sendRaw(header(ANNOUNCED));
    });
  });

  it('a correct answer, a challenge and a forged verdict with the 64 MiB header, before the verdict is checked', async () => {
    // The answer verifies; the peer's own challenge and a wrong verdict follow in one write with
    // the header: the limit must wait for the verdict too, not only for the answer.
    await expectBounded(async (raw, challenge) => {
      raw.sendFrame(correctAnswer(challenge));
      expect((await raw.readFrame()).toString()).to.equal('#WELCOME#');
      raw.sendRaw(
        Buffer.concat([frame(Buffer.from(`#CHALLENGE#{sha256}${'x'.repeat(40)}`)), frame(Buffer.from('#FORGED#')), header(ANNOUNCED)]),
      );
    });
  });
});

describe('reliability/a key holder may send a large first request with its last handshake frame', function () {
  this.timeout(30_000);
  const children: Child[] = [];
  afterEach(() => killAll(children));

  it('the request in the same write as #WELCOME# is read at the post-auth limit and answered', async () => {
    const server = new Child('server.ts', { options: { handshakeTimeout: 10 } }, { MPM_TEST_AUTHKEY: AUTHKEY });
    children.push(server);
    const address = (await server.line('listening ')) as [string, number];
    const raw = await RawClient.connect(address);
    try {
      raw.sendFrame(correctAnswer(await raw.readFrame()));
      expect((await raw.readFrame()).toString()).to.equal('#WELCOME#');
      raw.sendFrame(Buffer.from(`#CHALLENGE#{sha256}${'y'.repeat(40)}`));
      await raw.readFrame(); // the server's answer (not checked here)
      // The verdict, then a 1 MiB request (a control `create` of a list holding a 1 MiB string),
      // in one write, as a pipelining client sends them.
      const request = encode([0, 1, null, 'create', ['list', ['x'.repeat(MiB)]], null]);
      raw.sendRaw(Buffer.concat([frame(Buffer.from('#WELCOME#')), frame(request)]));
      const reply = decode(await raw.readFrame()) as unknown[];
      expect(reply.slice(0, 3)).to.deep.equal([1, 1, 0]); // a return value for request 1
    } finally {
      raw.close();
    }
  });
});
