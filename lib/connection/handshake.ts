// The mutual challenge-response handshake of CPython 3.12+ multiprocessing.connection, byte for
// byte, so that either side can be a Python Listener or Client. Each step below is one frame:
//   challenger → `#CHALLENGE#{sha256}` + 40 random bytes
//   responder  → `{sha256}` + HMAC-SHA256(authkey, everything after `#CHALLENGE#`, prefix included)
//   challenger → `#WELCOME#` or `#FAILURE#`
// The accepting side challenges first, then answers the peer's challenge; the connecting side the
// reverse. Legacy HMAC-MD5 (Python <= 3.11) is refused unless `allowLegacyMd5` is set.
import { createHmac, createSecretKey, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AuthenticationError, ProtocolError } from '../errors.js';

/** The minimal frame transport the handshake runs over. */
export interface FrameChannel {
  /** Queues a frame; the frames queued go out at the latest when nextFrame() is called. */
  sendFrame(payload: Uint8Array): void;
  /** The next inbound frame; rejects if the channel closes first. */
  nextFrame(): Promise<Buffer>;
}

export interface HandshakeOptions {
  /**
   * Also accept (and answer) HMAC-MD5, as Python <= 3.11 peers use: raw 16-byte answers or
   * `{md5}` answers, and 16/20-byte legacy challenges. MD5 is weak; default false.
   */
  allowLegacyMd5?: boolean;
}

/** Random bytes in each challenge (CPython's MESSAGE_LENGTH). */
export const NONCE_LENGTH = 40;

const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const SHA256_PREFIX = Buffer.from('{sha256}');
/** CPython: a challenge message shorter than this is refused; exactly 16 or 20 bytes means a legacy (MD5) peer. */
const MIN_MESSAGE_LENGTH = 20;
const LEGACY_LENGTHS = [16, 20];
/** CPython looks for the closing brace of `{name}` at index 1..9 (longest allowed name is 8 characters). */
const MAX_DIGEST_NAME_LENGTH = 8;
/** Digests CPython may propose in a challenge, mapped to Node's names. */
const ANSWERABLE_DIGESTS: ReadonlyMap<string, string> = new Map([
  ['md5', 'md5'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha3_256', 'sha3-256'],
  ['sha3_384', 'sha3-384'],
]);

/** The challenge frame payload for a nonce: `#CHALLENGE#{sha256}` + nonce. */
export function challengeMessage(nonce: Uint8Array): Buffer {
  return Buffer.concat([CHALLENGE, SHA256_PREFIX, nonce]);
}

/**
 * The answer to a peer's challenge frame (the whole payload, `#CHALLENGE#` included):
 * `{name}` + HMAC-name(authkey, message after `#CHALLENGE#`). Throws AuthenticationError when the
 * frame is not a challenge, is too short, names an unknown digest, or asks for MD5 while
 * `allowLegacyMd5` is false.
 */
export function answerFor(authkey: Uint8Array, challengePayload: Uint8Array, options: HandshakeOptions = {}): Buffer {
  const payload = Buffer.from(challengePayload.buffer, challengePayload.byteOffset, challengePayload.byteLength);
  if (!payload.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError('protocol error: expected a #CHALLENGE# frame');
  }
  const message = payload.subarray(CHALLENGE.length);
  if (message.length < MIN_MESSAGE_LENGTH) {
    throw new AuthenticationError(`challenge too short: ${message.length} bytes`);
  }
  const digestName = digestNameOf(message);
  if (digestName === undefined || !ANSWERABLE_DIGESTS.has(digestName)) {
    throw new AuthenticationError('unsupported challenge: missing digest prefix or unknown digest');
  }
  if (digestName === 'md5' && !options.allowLegacyMd5) {
    throw new AuthenticationError('peer asked for a legacy HMAC-MD5 answer (allowLegacyMd5 is false)');
  }
  const mac = hmac(ANSWERABLE_DIGESTS.get(digestName)!, authkey, message);
  if (isLegacyLength(message)) return mac; // legacy peers expect the raw MAC, no prefix
  return Buffer.concat([Buffer.from(`{${digestName}}`), mac]);
}

/**
 * Whether `answer` proves knowledge of `authkey` for the challenge frame we sent
 * (`challengePayload`, `#CHALLENGE#` included). Only `{sha256}` answers pass, plus MD5 ones
 * (raw 16 bytes or `{md5}`) when `allowLegacyMd5` is set. Constant-time comparison.
 */
export function verifyAnswer(
  authkey: Uint8Array,
  challengePayload: Uint8Array,
  answer: Uint8Array,
  options: HandshakeOptions = {},
): boolean {
  return verifyAgainst(authkey, challengePayload, answer, options, undefined);
}

/** verifyAnswer(), given the sha256 answer to the challenge if it was worked out already. */
function verifyAgainst(
  authkey: Uint8Array,
  challengePayload: Uint8Array,
  answer: Uint8Array,
  options: HandshakeOptions,
  sha256Answer: Buffer | undefined,
): boolean {
  const payload = Buffer.from(challengePayload.buffer, challengePayload.byteOffset, challengePayload.byteLength);
  if (!payload.subarray(0, CHALLENGE.length).equals(CHALLENGE)) return false;
  const message = payload.subarray(CHALLENGE.length);
  const answerBytes = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);

  let digestName = digestNameOf(answerBytes);
  let answerMac: Buffer;
  if (isLegacyLength(answerBytes)) {
    answerMac = answerBytes;
  } else if (digestName !== undefined) {
    answerMac = answerBytes.subarray(digestName.length + 2);
  } else {
    return false;
  }
  digestName ??= 'md5';
  const accepted = digestName === 'sha256' || (digestName === 'md5' && options.allowLegacyMd5 === true);
  if (!accepted) return false;

  const expected = digestName === 'sha256' && sha256Answer !== undefined ? sha256Answer : hmac(digestName, authkey, message);
  return expected.length === answerMac.length && timingSafeEqual(expected, answerMac);
}

/** Accepting side: deliver our challenge, then answer the peer's. Resolves once both sides are proven. */
export async function serverHandshake(ch: FrameChannel, authkey: Uint8Array, options: HandshakeOptions = {}): Promise<void> {
  await deliverChallenge(ch, authkey, options);
  await answerChallenge(ch, authkey, options);
}

/**
 * Connecting side: answer the peer's challenge, then deliver ours. Our challenge goes out with our
 * answer rather than after the peer's verdict on it: the peer reads frames in order either way (a
 * CPython Listener too), and this saves one round trip per connection. Nothing is given away by
 * sending it early: a challenge is random bytes, and the peer's answer is only checked after its
 * verdict on ours, as before.
 */
export async function clientHandshake(ch: FrameChannel, authkey: Uint8Array, options: HandshakeOptions = {}): Promise<void> {
  const theirs = await receive(ch);
  ch.sendFrame(answerFor(authkey, theirs, options));
  const ours = challengeMessage(nonce());
  ch.sendFrame(ours);
  const verdictComing = receive(ch); // our answer and challenge leave now (see FrameChannel.nextFrame)
  // The right answer to ours is worked out while the peer works, not once it has arrived (with the verdict).
  const expected = sha256AnswerTo(authkey, ours);
  await receiveVerdict(verdictComing);
  await checkAnswer(ch, authkey, ours, options, expected);
}

async function deliverChallenge(ch: FrameChannel, authkey: Uint8Array, options: HandshakeOptions): Promise<void> {
  const challenge = challengeMessage(nonce());
  ch.sendFrame(challenge);
  await checkAnswer(ch, authkey, challenge, options);
}

/** Receives the answer to `challenge` (a frame we sent) and sends the verdict; throws if it is wrong. */
async function checkAnswer(
  ch: FrameChannel,
  authkey: Uint8Array,
  challenge: Buffer,
  options: HandshakeOptions,
  expected?: Buffer,
): Promise<void> {
  const answerComing = receive(ch); // our frames leave now (see FrameChannel.nextFrame)
  // The right answer is worked out while the peer works on its own, not once it has arrived.
  expected ??= sha256AnswerTo(authkey, challenge);
  const answer = await answerComing;
  if (!verifyAgainst(authkey, challenge, answer, options, expected)) {
    // The last frame this side sends: no traceback or anything else follows (unlike CPython's manager).
    ch.sendFrame(FAILURE);
    if (isLegacyLength(Buffer.from(answer)) && !options.allowLegacyMd5) {
      throw new AuthenticationError(
        'the peer answered with legacy HMAC-MD5 (CPython 3.11 or older?), which is refused: ' +
          'legacy authentication is off (server option legacyAuth, connection option allowLegacyMd5)',
      );
    }
    throw new AuthenticationError('digest received was wrong');
  }
  ch.sendFrame(WELCOME);
}

async function answerChallenge(ch: FrameChannel, authkey: Uint8Array, options: HandshakeOptions): Promise<void> {
  const challenge = await receive(ch);
  ch.sendFrame(answerFor(authkey, challenge, options));
  await receiveVerdict(receive(ch));
}

/** The peer's verdict on our answer: throws unless it is #WELCOME#. */
async function receiveVerdict(verdictComing: Promise<Buffer>): Promise<void> {
  const verdict = await verdictComing;
  if (!verdict.equals(WELCOME)) throw new AuthenticationError('digest sent was rejected');
}

/** The next frame; a malformed or oversized frame during the handshake is an authentication failure. */
async function receive(ch: FrameChannel): Promise<Buffer> {
  try {
    return await ch.nextFrame();
  } catch (error) {
    if (error instanceof ProtocolError) {
      throw new AuthenticationError(`protocol error during the handshake: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * NONCE_LENGTH fresh random bytes. They are cut from a block filled by the CSPRNG a hundred
 * challenges at a time, as Node does for randomUUID(): one getrandom call per challenge was 5% of
 * the cost of a connection. Each byte is handed out once.
 */
function nonce(): Buffer {
  if (noncePoolUsed + NONCE_LENGTH > noncePool.length) {
    randomFillSync(noncePool);
    noncePoolUsed = 0;
  }
  const bytes = Buffer.from(noncePool.subarray(noncePoolUsed, noncePoolUsed + NONCE_LENGTH)); // a copy: the block is refilled
  noncePoolUsed += NONCE_LENGTH;
  return bytes;
}

const noncePool = Buffer.alloc(NONCE_LENGTH * 100);
let noncePoolUsed = noncePool.length;

/** The HMAC-SHA256 a right answer to our `challenge` frame carries (after its `{sha256}`). */
function sha256AnswerTo(authkey: Uint8Array, challenge: Buffer): Buffer {
  return hmac('sha256', authkey, challenge.subarray(CHALLENGE.length));
}

/** The digest a challenge or answer names: 'md5' for legacy lengths, the `{name}` prefix otherwise. */
function digestNameOf(message: Buffer): string | undefined {
  if (isLegacyLength(message)) return 'md5';
  if (message[0] !== 0x7b /* { */) return undefined;
  const close = message.indexOf(0x7d /* } */, 1);
  if (close < 1 || close > MAX_DIGEST_NAME_LENGTH + 1) return undefined;
  return message.subarray(1, close).toString('latin1');
}

function isLegacyLength(message: Buffer): boolean {
  return LEGACY_LENGTHS.includes(message.length);
}

function hmac(algorithm: string, key: Uint8Array, message: Uint8Array): Buffer {
  return createHmac(algorithm, secretKey(key)).update(message).digest();
}

/**
 * The authkey as a KeyObject, made once per key rather than once per digest: createHmac() given
 * bytes makes one each time, about half of its cost (each side of a connection computes two
 * digests). A few recent keys are kept, looked up by content (so a caller changing its key's bytes
 * gets the new key), in this process's memory as every connection's settings keep theirs.
 */
function secretKey(authkey: Uint8Array): KeyObject {
  for (let i = 0; i < recentKeys.length; i++) {
    const entry = recentKeys[i];
    if (entry.bytes.equals(authkey)) {
      if (i > 0) recentKeys.unshift(...recentKeys.splice(i, 1));
      return entry.key;
    }
  }
  const entry = { bytes: Buffer.from(authkey), key: createSecretKey(authkey) };
  recentKeys.unshift(entry);
  if (recentKeys.length > RECENT_KEYS) recentKeys.pop();
  return entry.key;
}

const RECENT_KEYS = 4;
const recentKeys: { bytes: Buffer; key: KeyObject }[] = [];
