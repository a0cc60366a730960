import { expect } from 'chai';
import { AuthenticationError, ConnectionClosedError, ProtocolError } from '../../lib/errors.js';
import {
  answerFor,
  challengeMessage,
  clientHandshake,
  serverHandshake,
  verifyAnswer,
  type FrameChannel,
} from '../../lib/connection/handshake.js';

// Reference vectors: shared/reference/python-managers.md §2.3 (key b'secret').
const KEY = Buffer.from('secret');
const NONCE = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
const MODERN_CHALLENGE = Buffer.concat([Buffer.from('#CHALLENGE#{sha256}'), NONCE]);
const MODERN_ANSWER = Buffer.concat([
  Buffer.from('{sha256}'),
  Buffer.from('fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989', 'hex'),
]);
const LEGACY_CHALLENGE = Buffer.concat([Buffer.from('#CHALLENGE#'), Buffer.from(Array.from({ length: 20 }, (_, i) => i))]);
const LEGACY_ANSWER = Buffer.from('7defa9cc46abc3583325d17ccda75190', 'hex');
const MD5_ANSWER_TO_MODERN = Buffer.from('8e48d2bb349b4b72b9382999ed5b62eb', 'hex');

/** Two in-memory ends of a frame channel; each records what it sent. */
class MemoryChannel implements FrameChannel {
  peer!: MemoryChannel;
  readonly sent: Buffer[] = [];
  private readonly inbox: Buffer[] = [];
  private waiter: ((frame: Buffer) => void) | undefined;

  static pair(): [MemoryChannel, MemoryChannel] {
    const a = new MemoryChannel();
    const b = new MemoryChannel();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  sendFrame(payload: Uint8Array): void {
    const frame = Buffer.from(payload);
    this.sent.push(frame);
    this.peer.deliver(frame);
  }

  nextFrame(): Promise<Buffer> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private deliver(frame: Buffer): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(frame);
    else this.inbox.push(frame);
  }
}

describe('connection/handshake', () => {
  describe('pure helpers (reference vectors)', () => {
    it('builds the 3.12 challenge: #CHALLENGE#{sha256} + nonce (59 bytes)', () => {
      const message = challengeMessage(NONCE);
      expect(message.equals(MODERN_CHALLENGE)).to.equal(true);
      expect(message.length).to.equal(59);
    });

    it('answers a sha256 challenge with {sha256} + HMAC over the prefix and nonce', () => {
      expect(answerFor(KEY, MODERN_CHALLENGE).toString('hex')).to.equal(MODERN_ANSWER.toString('hex'));
    });

    it('verifies the reference answer and rejects wrong ones', () => {
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, MODERN_ANSWER)).to.equal(true);
      expect(verifyAnswer(Buffer.from('Secret'), MODERN_CHALLENGE, MODERN_ANSWER)).to.equal(false);
      const flipped = Buffer.from(MODERN_ANSWER);
      flipped[flipped.length - 1] ^= 1;
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, flipped)).to.equal(false);
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, MODERN_ANSWER.subarray(0, 39))).to.equal(false);
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, Buffer.alloc(0))).to.equal(false);
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, MODERN_ANSWER.subarray(8))).to.equal(false); // no prefix
    });

    it('refuses legacy MD5 unless allowLegacyMd5 is set', () => {
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, MD5_ANSWER_TO_MODERN)).to.equal(false);
      expect(verifyAnswer(KEY, MODERN_CHALLENGE, MD5_ANSWER_TO_MODERN, { allowLegacyMd5: true })).to.equal(true);
      expect(() => answerFor(KEY, LEGACY_CHALLENGE)).to.throw(AuthenticationError, /allowLegacyMd5/);
      expect(answerFor(KEY, LEGACY_CHALLENGE, { allowLegacyMd5: true }).toString('hex')).to.equal(
        LEGACY_ANSWER.toString('hex'),
      );
    });

    it('accepts only sha256 among the prefixed digests', () => {
      const sha384Challenge = Buffer.concat([Buffer.from('#CHALLENGE#{sha384}'), NONCE]);
      const sha384Answer = answerFor(KEY, sha384Challenge);
      expect(sha384Answer.subarray(0, 8).toString()).to.equal('{sha384}');
      expect(sha384Answer.length).to.equal(8 + 48);
      // Our verifier never accepts a downgrade or sidegrade away from sha256.
      expect(verifyAnswer(KEY, sha384Challenge, sha384Answer)).to.equal(false);
    });

    it('treats malformed challenges as authentication failures', () => {
      expect(() => answerFor(KEY, Buffer.from('#WELCOME#'))).to.throw(AuthenticationError, /CHALLENGE/);
      expect(() => answerFor(KEY, Buffer.from('#CHALLENGE#short'))).to.throw(AuthenticationError, /too short/);
      const unknown = Buffer.concat([Buffer.from('#CHALLENGE#{sha1}'), NONCE]);
      expect(() => answerFor(KEY, unknown)).to.throw(AuthenticationError, /unsupported/);
      const noPrefix = Buffer.concat([Buffer.from('#CHALLENGE#'), NONCE]);
      expect(() => answerFor(KEY, noPrefix)).to.throw(AuthenticationError, /unsupported/);
    });
  });

  describe('roles over a frame channel', () => {
    it('authenticates both ways with the same key, in CPython order', async () => {
      const [serverEnd, clientEnd] = MemoryChannel.pair();
      await Promise.all([serverHandshake(serverEnd, KEY), clientHandshake(clientEnd, KEY)]);
      // accepting side: challenge, verdict, answer; connecting side: answer, challenge, verdict
      expect(serverEnd.sent.map(kind)).to.deep.equal(['challenge', '#WELCOME#', 'answer']);
      expect(clientEnd.sent.map(kind)).to.deep.equal(['answer', 'challenge', '#WELCOME#']);
    });

    it('the connecting side sends its challenge with its answer, before the verdict (one round trip fewer)', async () => {
      const sent: Buffer[] = [];
      let frames = 0;
      const client = clientHandshake(
        {
          sendFrame: (payload) => void sent.push(Buffer.from(payload)),
          // The peer's challenge, then nothing: a client that waited for the verdict would stop at one frame.
          nextFrame: () => (frames++ === 0 ? Promise.resolve(MODERN_CHALLENGE) : new Promise<Buffer>(() => {})),
        },
        KEY,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(sent.map(kind)).to.deep.equal(['answer', 'challenge']);
      expect(sent[0]).to.deep.equal(MODERN_ANSWER);
      void client;
    });

    it('rejects a wrong key on both sides and sends nothing after #FAILURE#', async () => {
      const [serverEnd, clientEnd] = MemoryChannel.pair();
      const [server, client] = await Promise.allSettled([
        serverHandshake(serverEnd, KEY),
        clientHandshake(clientEnd, Buffer.from('wrong')),
      ]);
      expect(server.status === 'rejected' && server.reason).to.be.instanceOf(AuthenticationError);
      expect((server as PromiseRejectedResult).reason.message).to.equal('digest received was wrong');
      expect((client as PromiseRejectedResult).reason).to.be.instanceOf(AuthenticationError);
      expect((client as PromiseRejectedResult).reason.message).to.equal('digest sent was rejected');
      expect(serverEnd.sent.map(kind)).to.deep.equal(['challenge', '#FAILURE#']);
    });

    it('turns a protocol error on the channel into AuthenticationError, and passes a close through', async () => {
      const oversize: FrameChannel = {
        sendFrame: () => {},
        nextFrame: () => Promise.reject(new ProtocolError('frame of 300 bytes exceeds the 256-byte limit')),
      };
      const error = await serverHandshake(oversize, KEY).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AuthenticationError);
      expect((error as Error).cause).to.be.instanceOf(ProtocolError);

      const gone: FrameChannel = { sendFrame: () => {}, nextFrame: () => Promise.reject(new ConnectionClosedError('gone')) };
      const closed = await clientHandshake(gone, KEY).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(closed).to.be.instanceOf(ConnectionClosedError);
    });
  });
});

function kind(frame: Buffer): string {
  const text = frame.toString('latin1');
  if (text.startsWith('#CHALLENGE#')) return 'challenge';
  if (text === '#WELCOME#' || text === '#FAILURE#') return text;
  if (text.startsWith('{sha256}') && frame.length === 40) return 'answer';
  return `other(${frame.length})`;
}
